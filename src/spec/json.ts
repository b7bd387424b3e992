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
  const depth = nestingDepth(text)
  if (depth > MAX_JSON_DEPTH) {
    return { ok: false, message: `JSON is nested deeper than ${MAX_JSON_DEPTH} levels` }
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch (err) {
    return { ok: false, message: `invalid JSON: ${(err as Error).message}` }
  }
}

/** Deepest bracket nesting outside strings; a linear scan, so it cannot overflow the stack. */
export function nestingDepth(text: string): number {
  let depth = 0
  let max = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c)
        i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth)
    else if (c === 0x5d || c === 0x7d) depth--
  }
  return max
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
