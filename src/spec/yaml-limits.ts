/**
 * Bounds on YAML before the YAML library sees it. The library's parser is not linear in the
 * nesting depth (50,000 nested `[` take seconds) and its composer and `toJS` recurse, so a
 * deep document held the event loop for 4.5 s and then died with "Maximum call stack size
 * exceeded". A linear scan estimates the nesting first; the value that comes out of `toJS`
 * (aliases can nest anchors inside anchors) is measured again, without recursion.
 *
 * Policy YAML, NAD and Namespace manifests and webhook config files nest fewer than 15 levels.
 */

import { MAX_POLICY_BYTES } from './limits.js'

/** Deepest nesting accepted, estimated on the text and measured on the parsed value. */
export const MAX_YAML_DEPTH = 64

/**
 * Why `text` is nested too deeply to parse, or undefined. The estimate counts the levels of
 * block indentation, the compact `- ` / `? ` indicators that open a level on the same line,
 * and the open flow collections (`[`, `{`), skipping comments, quoted scalars and block
 * scalars (`|`, `>`), where brackets and quotes are text. It can only overestimate by a small
 * factor, never miss a level the parser would build.
 */
export function yamlDepthProblem(text: string, max = MAX_YAML_DEPTH): string | undefined {
  const found = yamlNestingEstimate(text, max)
  if (found.depth <= max) return undefined
  return `YAML nested more than ${max} levels deep (line ${found.line}); documents this deep are not read`
}

/** Alias nodes (`*name`) where a node may start: after a blank, `[`, `{`, `,`, `:` or `-`. */
const ALIAS = /(?:^|[\s[{,:-])\*[^\s,[\]{}]/g

/**
 * Why `text` holds more aliases than the YAML library may expand, or undefined. Counted on the
 * text before parsing (an over-count at worst: a `*` in a quoted scalar after a blank), since
 * the library spends its time on every alias before it finds that there are too many.
 */
export function yamlAliasProblem(text: string, max: number): string | undefined {
  if (!text.includes('*')) return undefined
  let count = 0
  ALIAS.lastIndex = 0
  while (ALIAS.exec(text) !== null) {
    if (++count > max) return `uses more than ${max} YAML aliases (*name); write the values out`
  }
  return undefined
}

/** Why a policy text cannot be parsed within a request's budget (size, aliases, depth). */
export function policyTextProblem(text: string): string | undefined {
  return (
    policySizeProblem(text) ?? yamlAliasProblem(text, MAX_POLICY_ALIASES) ?? yamlDepthProblem(text)
  )
}

/** Aliases in one policy: the YAML library's default expansion budget, which parse.ts keeps. */
export const MAX_POLICY_ALIASES = 100

/** Why a policy text is too long to parse within a request's budget, or undefined. */
export function policySizeProblem(text: string): string | undefined {
  if (text.length <= MAX_POLICY_BYTES / 3) return undefined
  const bytes = Buffer.byteLength(text, 'utf8')
  if (bytes <= MAX_POLICY_BYTES) return undefined
  return `is ${bytes} bytes; at most ${MAX_POLICY_BYTES} are read per ConfigMap: split the policy across several policy ConfigMaps (they merge)`
}

const SPACE = 0x20
const TAB = 0x09
const LF = 0x0a
const CR = 0x0d

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB || c === CR || c === LF || Number.isNaN(c)
}

/** Scan until the estimate passes `stop` (then there is no need to go on). */
export function yamlNestingEstimate(
  text: string,
  stop = Infinity,
): { depth: number; line: number } {
  const n = text.length
  /** Open block levels: the indentation of each, and the depth of what starts there. */
  const levels: { indent: number; depth: number }[] = []
  let flow = 0
  let max = 0
  let line = 0
  let i = 0
  /** While > -1: inside a block scalar whose parent line had this indentation. */
  let scalarParent = -1
  /** Depth reached at the end of the previous content line, and whether it ended in `key:`. */
  let prevEnd = 0
  let prevOpen = false
  /** Depth of the block node that holds the open flow collections. */
  let flowBase = 0
  while (i < n) {
    line++
    let indent = 0
    while (i < n && text.charCodeAt(i) === SPACE) {
      indent++
      i++
    }
    if (i >= n) break
    const first = text.charCodeAt(i)
    if (first === LF || first === CR || first === 0x23 /* # */) {
      // A blank or comment line opens nothing (inside a block scalar it is text: skipped too).
      i = endOfLine(text, i) + 1
      continue
    }
    if (scalarParent !== -1) {
      if (indent > scalarParent) {
        i = endOfLine(text, i) + 1
        continue
      }
      scalarParent = -1
    }
    let base = flowBase
    if (flow === 0) {
      while (levels.length > 0 && levels[levels.length - 1]!.indent > indent) levels.pop()
      const top = levels[levels.length - 1]
      if (top === undefined || top.indent < indent) {
        base = top === undefined ? 0 : prevEnd
        levels.push({ indent, depth: base })
      } else {
        // A block sequence may sit at its parent key's indentation: one level more.
        const dash = first === 0x2d && isBlank(text.charCodeAt(i + 1))
        base = top.depth + (dash && prevOpen ? 1 : 0)
      }
    }
    let opened = 0
    let open = false
    let atStart = true
    for (; i < n; i++) {
      const c = text.charCodeAt(i)
      if (c === LF) break
      if (c === SPACE || c === TAB || c === CR) continue
      const prevBlank = i === 0 || isBlank(text.charCodeAt(i - 1))
      if (c === 0x23 /* # */ && prevBlank) {
        i = endOfLine(text, i) - 1
        continue
      }
      if ((c === 0x22 || c === 0x27) /* " ' */ && atStart) {
        const end = endOfQuoted(text, i)
        // A quoted scalar may span lines: count them, so that line numbers stay right.
        for (let j = i; j < end; j++) if (text.charCodeAt(j) === LF) line++
        i = end - 1
        atStart = false
        open = false
        continue
      }
      if ((c === 0x5b || c === 0x7b) /* [ { */ && (flow > 0 || atStart)) {
        if (flow === 0) flowBase = base + opened
        flow++
        max = Math.max(max, flowBase + flow)
        if (max > stop) return { depth: max, line }
        atStart = true
        continue
      }
      if ((c === 0x5d || c === 0x7d) /* ] } */ && flow > 0) {
        flow--
        atStart = false
        continue
      }
      if (c === 0x2c /* , */ && flow > 0) {
        atStart = true
        continue
      }
      const nextBlank = isBlank(text.charCodeAt(i + 1))
      if ((c === 0x2d || c === 0x3f) /* - ? */ && nextBlank && atStart) {
        if (flow === 0) opened++
        open = true
        continue
      }
      if (c === 0x3a /* : */ && (nextBlank || flow > 0)) {
        if (flow === 0) opened++
        atStart = true
        open = true
        continue
      }
      if ((c === 0x7c || c === 0x3e) /* | > */ && atStart && flow === 0) {
        scalarParent = indent
        i = endOfLine(text, i) - 1
        continue
      }
      if ((c === 0x26 || c === 0x21) /* & ! */ && atStart) {
        // An anchor or a tag before a node: the node may still start after it.
        while (i + 1 < n && !isBlank(text.charCodeAt(i + 1))) i++
        continue
      }
      atStart = false
      open = false
    }
    prevEnd = flow > 0 ? flowBase + flow : base + opened
    prevOpen = open && flow === 0
    max = Math.max(max, prevEnd)
    if (max > stop) return { depth: max, line }
    i++ // past the line feed
  }
  return { depth: max, line }
}

/** Index of the line feed ending the line that holds `i` (or the end of the text). */
function endOfLine(text: string, i: number): number {
  const lf = text.indexOf('\n', i)
  return lf === -1 ? text.length : lf
}

/** Index just past the quoted scalar starting at `i` (or the end of the text). */
function endOfQuoted(text: string, i: number): number {
  const quote = text.charCodeAt(i)
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j)
    if (quote === 0x22 && c === 0x5c /* \ */) j++
    else if (c === quote) {
      if (quote === 0x27 && text.charCodeAt(j + 1) === 0x27)
        j++ // '' is a quote in '...'
      else return j + 1
    }
  }
  return text.length
}

/**
 * Nesting depth of a parsed value, measured with an explicit stack (the value may be deeper
 * than the call stack allows); stops counting past `max`. Shared references (what YAML aliases
 * produce) are measured once per path, which `max` keeps bounded.
 */
export function valueDepth(value: unknown, max = MAX_YAML_DEPTH): number {
  let deepest = 0
  const stack: [unknown, number][] = [[value, 1]]
  let visits = 0
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!
    if (v === null || typeof v !== 'object') continue
    deepest = Math.max(deepest, depth)
    if (deepest > max || ++visits > 1_000_000) return Math.max(deepest, max + 1)
    for (const child of Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1])
    }
  }
  return deepest
}
