/**
 * How a view prints its rows: a table (`-o wide` adds columns), or the structured records as a
 * JSON or YAML list that scripts can read instead of parsing columns.
 */
import { stringify } from 'yaml'
import { MultinetError } from '../../errors.js'
import type { CliIo } from '../io.js'
import { renderTable, type Column } from './table.js'

export interface ViewOutput<R> {
  /** `kind` of the JSON/YAML list, e.g. `NetworkList`. */
  readonly kind: string
  readonly columns: readonly Column<R>[]
  /** The record printed for `-o json|yaml` (the row itself by default). */
  readonly record?: (row: R) => unknown
  /** What kubectl says for an empty table, e.g. `No networks found in namespace x.` */
  readonly empty: string
}

export const LIST_API_VERSION = 'multinet.io/v1alpha1'

export function printView<R>(
  io: CliIo,
  rows: readonly R[],
  view: ViewOutput<R>,
  output: string | undefined,
  noHeaders: boolean,
): void {
  if (output === 'json' || output === 'yaml') {
    const list = {
      apiVersion: LIST_API_VERSION,
      kind: view.kind,
      items: rows.map((r) => (view.record ? view.record(r) : r)),
    }
    io.stdout.write(output === 'json' ? `${JSON.stringify(list, null, 2)}\n` : stringify(list))
    return
  }
  if (rows.length === 0) {
    // kubectl prints this on stderr, so that a pipe sees an empty table, not a sentence.
    io.stderr.write(`${view.empty}\n`)
    return
  }
  io.stdout.write(renderTable(rows, view.columns, { wide: output === 'wide', noHeaders }))
}

/** The views print tables, wide tables, JSON or YAML; `-o text` is explain's and audit's. */
export function viewOutput(output: string | undefined): string | undefined {
  if (output === 'text') {
    throw new MultinetError(
      'MN_ERR_USAGE',
      '-o text is for explain and audit; a view prints a table, -o wide, -o json or -o yaml',
    )
  }
  return output
}
