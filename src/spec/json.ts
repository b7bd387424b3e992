/**
 * JSON helpers shared by the annotation and CNI validators: parsing that reports instead of
 * throwing, with a nesting bound (JSON.parse copes with 100,000 levels but JSON.stringify does
 * not, so anything we accept must be shallow enough to be written back), and path building.
 */

/** Deeper documents are refused: no annotation or CNI config needs anywhere near this. */
export const MAX_JSON_DEPTH = 64

import { MAX_ECHO_CHARS, truncate } from './limits.js'

export type JsonParse = { ok: true; value: unknown } | { ok: false; message: string }

export function parseJson(text: string): JsonParse {
  const depth = nestingDepth(text, MAX_JSON_DEPTH)
  if (depth > MAX_JSON_DEPTH) {
    return { ok: false, message: `JSON is nested deeper than ${MAX_JSON_DEPTH} levels` }
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch (err) {
    return { ok: false, message: `invalid JSON: ${(err as Error).message}` }
  }
}

/**
 * Deepest bracket nesting outside strings; a linear scan, so it cannot overflow the stack.
 * Stops counting once the depth passes `stop`.
 */
export function nestingDepth(text: string, stop = Infinity): number {
  return jsonShape(text, stop).depth
}

export interface JsonShape {
  /** Deepest nesting seen (up to the first value past the bound). */
  readonly depth: number
  /** Objects and arrays opened (up to the first value past the bound). */
  readonly containers: number
}

/** The characters the shape scan stops at, for jumping over a long run of anything else. */
const STRUCTURAL = /["[\]{}]/g

/** Characters looked at one by one before a run of filler is skipped by the regex engine. */
const SHORT_RUN = 16

/**
 * Depth and number of objects and arrays of a JSON text, without parsing it; stops as soon as
 * either passes its bound, so the cost of a hostile text is bounded by the bounds. Structure is
 * read a character code at a time, which is four times cheaper on an ordinary body than a
 * regex step per bracket and quote (this runs on every request); string contents are skipped
 * with indexOf, and a long run of anything else (4 MB of whitespace or digits) by the regex
 * engine, so that no text makes the scan crawl character by character.
 */
export function jsonShape(text: string, maxDepth = Infinity, maxContainers = Infinity): JsonShape {
  let depth = 0
  let max = 0
  let containers = 0
  let run = 0
  const n = text.length
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22) {
      const end = endOfString(text, i)
      if (end === -1) break
      i = end
      run = 0
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) max = depth
      if (max > maxDepth || ++containers > maxContainers) break
      run = 0
    } else if (c === 0x5d || c === 0x7d) {
      depth--
      run = 0
    } else if (++run > SHORT_RUN) {
      const scan = new RegExp(STRUCTURAL)
      scan.lastIndex = i
      const next = scan.exec(text)
      if (next === null) break
      i = next.index - 1
      run = 0
    }
  }
  return { depth: max, containers }
}

/** Index of the quote that closes the string opened at `start`, or -1 when none does. */
function endOfString(text: string, start: number): number {
  let from = start + 1
  for (;;) {
    const quote = text.indexOf('"', from)
    if (quote === -1) return -1
    // Escaped when an odd number of backslashes precede it.
    let slashes = 0
    for (let j = quote - 1; j > start && text.charCodeAt(j) === 0x5c; j--) slashes++
    if (slashes % 2 === 0) return quote
    from = quote + 1
  }
}

export { isObject } from './object.js'

/** A word for the JSON type of a value, for messages: "a string", "null", "a list". */
export function jsonTypeOf(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  switch (typeof value) {
    case 'string':
      return 'a string'
    case 'number':
      return 'a number'
    case 'boolean':
      return 'a boolean'
    case 'object':
      return 'an object'
    default:
      return typeof value
  }
}

/**
 * Append a key to a path: `.key` for plain keys, `["key"]` for anything else. A long key is
 * cut: a path names a place, and a 1 MiB key must not come back in every message about it.
 */
export function pathKey(path: string, key: string): string {
  if (key.length > MAX_ECHO_CHARS)
    return `${path}[${JSON.stringify(truncate(key, MAX_ECHO_CHARS))}]`
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`
}

/** A value as it appears in a message, shortened when long. */
export function showValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}
