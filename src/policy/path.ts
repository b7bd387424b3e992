/**
 * Locations inside a policy document. Validators report problems against a path of keys and
 * indexes; parse.ts turns them into findings (`policy.yaml: rules[2].from`) with a line number.
 */
import type { Severity } from '../spec/finding.js'

export type PathSegment = string | number
export type Path = readonly PathSegment[]

/** A problem in a policy document, before it becomes a Finding. */
export interface Problem {
  readonly path: Path
  readonly message: string
  readonly severity: Severity
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/

/** `rules[2].from.namespaces`, with odd keys quoted: `matchLabels["app.kubernetes.io/name"]`. */
export function formatPath(path: Path): string {
  let out = ''
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`
    else if (PLAIN_KEY.test(segment)) out += out === '' ? segment : `.${segment}`
    else out += `[${JSON.stringify(segment)}]`
  }
  return out
}

export function problem(path: Path, message: string, severity: Severity = 'error'): Problem {
  return { path, message, severity }
}
