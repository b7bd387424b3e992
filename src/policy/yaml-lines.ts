/**
 * Where a problem is in the YAML text: the line of the key (or list item) a path points to, so
 * an admin can jump to it even when the path is long or the policy has several similar rules.
 */
import { isMap, isNode, isScalar, isSeq, type Document, type LineCounter } from 'yaml'
import type { Path } from './path.js'

/**
 * The line of the key (or list item) at `path`, or of its nearest ancestor that exists; a
 * problem of the document itself (a missing `apiVersion`) is on the line where it starts.
 */
export function lineOf(path: Path, doc: Document, lines: LineCounter): number {
  for (let n = path.length; n > 0; n--) {
    const offset = offsetOf(doc, path.slice(0, n))
    if (offset !== undefined) return lines.linePos(offset).line
  }
  const start = isNode(doc.contents) ? doc.contents.range?.[0] : undefined
  return lines.linePos(start ?? 0).line
}

function offsetOf(doc: Document, path: Path): number | undefined {
  const parent: unknown = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true)
  const last = path[path.length - 1]
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(last))
    return isNode(pair?.key) ? pair.key.range?.[0] : undefined
  }
  if (isSeq(parent) && typeof last === 'number') {
    const item: unknown = parent.items[last]
    return isNode(item) ? item.range?.[0] : undefined
  }
  return undefined
}
