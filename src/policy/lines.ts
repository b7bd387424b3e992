/**
 * The lines of parsed policy documents, remembered next to them, so that checks that run after
 * parsing (a rule name another ConfigMap already uses) can still name the line in `policy.yaml`,
 * as every other validation message does. Keyed weakly: a document that is dropped takes its
 * lines with it.
 */
import type { Path } from './path.js'

export type LineLookup = (path: Path) => number | undefined

const registry = new WeakMap<object, LineLookup>()

export function rememberLines(document: object, lookup: LineLookup): void {
  registry.set(document, lookup)
}

/** The line of `path` in the text `document` was parsed from; undefined when not known. */
export function documentLine(document: object, path: Path): number | undefined {
  return registry.get(document)?.(path)
}

/** `message (line N)` for the `name` of the definition at `at` (`rules[3]`), when known. */
export function withLine(message: string, document: object, at: string): string {
  const m = /^(\w+)\[(\d+)\]$/.exec(at)
  const line = m ? documentLine(document, [m[1]!, Number(m[2]), 'name']) : undefined
  return line === undefined ? message : `${message} (line ${line})`
}
