/**
 * Name patterns of the policy: `*` matches any run of characters within one part of a name
 * (never across the `/` of `namespace/name`); everything else matches itself.
 */

/** A compiled pattern for one part: exact text, or a regular expression when it has a `*`. */
export type PartMatcher =
  { readonly exact: string } | { readonly glob: RegExp; readonly prefix: string }

export function hasGlob(part: string): boolean {
  return part.includes('*')
}

export function compilePart(part: string): PartMatcher {
  if (!hasGlob(part)) return { exact: part }
  const source = part
    .split('*')
    .map((s) => s.replace(/[.+?^${}()|[\]\\-]/g, '\\$&'))
    .join('.*')
  // The literal text before the first `*` lets an index narrow the candidates without a scan.
  return { glob: new RegExp(`^${source}$`), prefix: part.slice(0, part.indexOf('*')) }
}

export function matchPart(m: PartMatcher, value: string): boolean {
  return 'exact' in m ? m.exact === value : m.glob.test(value)
}

/** A `namespace/name` pattern split into its two parts. */
export interface PairMatcher {
  readonly namespace: PartMatcher
  readonly name: PartMatcher
  /** The pattern as written, for messages. */
  readonly text: string
}

/** Compiles `namespace/name` (validated beforehand: exactly one `/`). */
export function compilePair(text: string): PairMatcher {
  const slash = text.indexOf('/')
  return {
    namespace: compilePart(text.slice(0, slash)),
    name: compilePart(text.slice(slash + 1)),
    text,
  }
}

export function matchPair(m: PairMatcher, namespace: string, name: string): boolean {
  return matchPart(m.namespace, namespace) && matchPart(m.name, name)
}
