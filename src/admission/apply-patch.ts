import type { PatchOp } from './review.js'
import { isObject } from '../spec/object.js'

/**
 * Applies an RFC 6902 patch of add/replace/remove operations to a copy of `doc`. Used offline
 * (`multinet review`) to validate the pod as the API server will store it after mutation; the
 * tests cross-check our patches with an independent JSON-patch library.
 */
export function applyPatch(doc: unknown, ops: readonly PatchOp[]): unknown {
  const root: { value: unknown } = { value: structuredClone(doc) }
  for (const op of ops) {
    const tokens = op.path === '' ? [] : op.path.slice(1).split('/').map(unescapeToken)
    if (tokens.length === 0) {
      if (op.op !== 'test') root.value = op.op === 'remove' ? undefined : structuredClone(op.value)
      continue
    }
    const last = tokens.pop() as string
    let parent: unknown = root.value
    for (const t of tokens)
      parent = Array.isArray(parent) ? parent[Number(t)] : isObject(parent) ? parent[t] : undefined
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last)
      if (op.op === 'add') parent.splice(index, 0, structuredClone(op.value))
      else if (op.op === 'replace') parent[index] = structuredClone(op.value)
      else if (op.op === 'remove') parent.splice(index, 1)
    } else if (isObject(parent)) {
      if (op.op === 'add' || op.op === 'replace') parent[last] = structuredClone(op.value)
      else if (op.op === 'remove') delete parent[last]
    } else {
      throw new Error(`patch path ${op.path}: parent does not exist`)
    }
  }
  return root.value
}

function unescapeToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~')
}
