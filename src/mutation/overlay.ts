/**
 * The desired changes to a pod, as a tree that mirrors the pod, and the diff that turns it into
 * RFC 6902 operations. Building one tree first (rather than emitting ops as we go) is what gives
 * us three properties at once: a parent is created only when absent, and then in a single `add`
 * that carries all its children; ops come out in one deterministic order (sorted keys, list
 * indexes numerically); and nothing is emitted when the pod already has the desired value, which
 * is what makes reinvocation idempotent.
 */
import type { PatchOp } from '../admission/review.js'
import { escapeSegment, type Segment } from './json-pointer.js'
import { isAbsent, isObject } from './pod-view.js'

export type OverlayNode =
  | { readonly kind: 'tree'; readonly children: Map<string, OverlayNode> }
  | { readonly kind: 'set'; readonly value: unknown }
  | { readonly kind: 'remove' }
  | { readonly kind: 'append'; readonly items: unknown[] }

/** A place where the pod holds something other than the object or list we must write into. */
export interface ShapeProblem {
  readonly path: readonly Segment[]
  readonly found: unknown
  readonly expected: 'an object' | 'a list'
}

export class Overlay {
  readonly root: OverlayNode = { kind: 'tree', children: new Map() }

  set(path: readonly Segment[], value: unknown): void {
    this.put(path, { kind: 'set', value })
  }

  remove(path: readonly Segment[]): void {
    this.put(path, { kind: 'remove' })
  }

  /** Items to add at the end of a list, creating the list when the pod has none. */
  append(path: readonly Segment[], items: readonly unknown[]): void {
    const existing = this.lookup(path)
    if (existing?.kind === 'append') existing.items.push(...items)
    else this.put(path, { kind: 'append', items: [...items] })
  }

  private lookup(path: readonly Segment[]): OverlayNode | undefined {
    let node: OverlayNode | undefined = this.root
    for (const seg of path)
      node = node?.kind === 'tree' ? node.children.get(String(seg)) : undefined
    return node
  }

  private put(path: readonly Segment[], leaf: OverlayNode): void {
    let node = this.root
    path.forEach((seg, i) => {
      if (node.kind !== 'tree') return
      const key = String(seg)
      if (i === path.length - 1) {
        node.children.set(key, leaf)
        return
      }
      let child = node.children.get(key)
      if (child?.kind !== 'tree') {
        child = { kind: 'tree', children: new Map() }
        node.children.set(key, child)
      }
      node = child
    })
  }
}

const INDEX = /^(0|[1-9]\d*)$/

/** List indexes numerically; everything else in code-unit order. */
function compareKeys(a: string, b: string): number {
  const ia = INDEX.test(a)
  const ib = INDEX.test(b)
  if (ia && ib) return Number(a) - Number(b)
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * The children's keys in patch order. An insertion sort: a node has a handful of children,
 * and Array.prototype.sort allocates a work buffer on every call, which was a tenth of the
 * bytes a pod mutation allocated.
 */
function sortedKeys(children: Map<string, OverlayNode>): string[] {
  const keys = [...children.keys()]
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string
    let j = i - 1
    for (; j >= 0 && compareKeys(keys[j] as string, key) > 0; j--) keys[j + 1] = keys[j] as string
    keys[j + 1] = key
  }
  return keys
}

/** The value a subtree stands for when its parent does not exist yet; undefined when empty. */
function materialize(node: OverlayNode): unknown {
  switch (node.kind) {
    case 'set':
      return node.value
    case 'append':
      return [...node.items]
    case 'remove':
      return undefined
    case 'tree': {
      const out: Record<string, unknown> = {}
      for (const key of sortedKeys(node.children)) {
        const v = materialize(node.children.get(key) as OverlayNode)
        if (v !== undefined) out[key] = v
      }
      return Object.keys(out).length > 0 ? out : undefined
    }
  }
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]))
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a)
    return (
      ka.length === Object.keys(b).length &&
      ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]))
    )
  }
  return false
}

export interface Diff {
  readonly ops: PatchOp[]
  readonly problems: ShapeProblem[]
}

/** The operations that take `doc` to the overlay's desired state. */
export function diff(doc: unknown, overlay: Overlay): Diff {
  const out: Diff = { ops: [], problems: [] }
  walk([], '', doc, true, overlay.root, out)
  return out
}

/**
 * `path` is one stack shared by the whole walk (pushed and popped, copied only into a
 * problem); `at` is `pointer(path)`, grown a segment at a time rather than rebuilt per node.
 */
function walk(
  path: Segment[],
  at: string,
  existing: unknown,
  present: boolean,
  node: OverlayNode,
  out: Diff,
): void {
  if (node.kind === 'remove') {
    if (present) out.ops.push({ op: 'remove', path: at })
  } else if (node.kind === 'set') {
    if (!present) out.ops.push({ op: 'add', path: at, value: node.value })
    else if (!deepEqual(existing, node.value))
      out.ops.push({ op: 'replace', path: at, value: node.value })
  } else if (node.kind === 'append') {
    if (isAbsent(existing)) out.ops.push({ op: 'add', path: at, value: [...node.items] })
    else if (!Array.isArray(existing))
      out.problems.push({ path: [...path], found: existing, expected: 'a list' })
    else for (const item of node.items) out.ops.push({ op: 'add', path: `${at}/-`, value: item })
  } else if (isAbsent(existing)) {
    const value = materialize(node)
    // `add` also replaces a member that is JSON null, so one op covers both cases.
    if (value !== undefined) out.ops.push({ op: 'add', path: at, value })
  } else if (Array.isArray(existing)) {
    for (const key of sortedKeys(node.children)) {
      const index = INDEX.test(key) ? Number(key) : -1
      if (index < 0 || index >= existing.length) {
        out.problems.push({ path: [...path, key], found: undefined, expected: 'an object' })
        continue
      }
      path.push(index)
      walk(path, `${at}/${index}`, existing[index], true, node.children.get(key)!, out)
      path.pop()
    }
  } else if (isObject(existing)) {
    for (const key of sortedKeys(node.children)) {
      const has = Object.hasOwn(existing, key)
      path.push(key)
      walk(path, `${at}/${escapeSegment(key)}`, existing[key], has, node.children.get(key)!, out)
      path.pop()
    }
  } else {
    out.problems.push({ path: [...path], found: existing, expected: 'an object' })
  }
}
