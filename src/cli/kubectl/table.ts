/**
 * kubectl's table look: upper-case headers, columns padded to their widest cell and three
 * spaces apart, the last column unpadded, `<none>` for an empty cell. `wide` columns appear
 * only with `-o wide`, and the NAMESPACE column only when more than one namespace is listed.
 */
export interface Column<R> {
  readonly header: string
  readonly value: (row: R) => string
  /** Shown only with `-o wide`. */
  readonly wide?: boolean
}

export interface TableOptions {
  readonly wide: boolean
  readonly noHeaders: boolean
}

const GAP = '   '
export const NONE = '<none>'

export function renderTable<R>(
  rows: readonly R[],
  columns: readonly Column<R>[],
  opts: TableOptions,
): string {
  const shown = columns.filter((c) => opts.wide || !c.wide)
  const cells = rows.map((r) => shown.map((c) => cell(c.value(r))))
  const lines = opts.noHeaders ? cells : [shown.map((c) => c.header), ...cells]
  const widths = shown.map((_, i) => Math.max(0, ...lines.map((l) => (l[i] as string).length)))
  return lines
    .map((l) =>
      l
        .map((text, i) => (i === l.length - 1 ? text : text.padEnd(widths[i] as number)))
        .join(GAP)
        .trimEnd(),
    )
    .map((l) => `${l}\n`)
    .join('')
}

/** One line per cell: a newline or tab inside a value would break the columns. */
function cell(text: string): string {
  const flat = text.replace(/[\t\r\n]+/g, ' ').trim()
  return flat === '' ? NONE : flat
}

/** A list for one cell: comma-joined, `<none>` when empty. */
export function joined(values: readonly string[]): string {
  return values.length === 0 ? NONE : values.join(',')
}
