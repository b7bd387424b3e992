/**
 * Nodes as Multinet sees them: the physical networks the agent published as labels
 * (`<prefix><name>=true`), and for each device resource that NADs ask for, the node's capacity,
 * allocatable, and what the pods bound to it request. Pure: node and pod objects in.
 */
import { parseWholeQuantity } from '../../mutation/quantity.js'
import { field, isObject, metadataOf, stringField } from '../../spec/object.js'

export interface ResourceUse {
  readonly name: string
  readonly capacity: number
  readonly allocatable: number
  readonly requested: number
}

export interface NodeRow {
  readonly name: string
  readonly ready: string
  readonly physicalNetworks: readonly string[]
  readonly resources: readonly ResourceUse[]
}

/** Names of the physical networks a node's labels announce. */
export function physicalNetworksOf(
  labels: Readonly<Record<string, string>>,
  prefix: string,
): string[] {
  return Object.entries(labels)
    .filter(([k, v]) => k.startsWith(prefix) && k.length > prefix.length && v === 'true')
    .map(([k]) => k.slice(prefix.length))
    .sort()
}

/**
 * What a pod takes of each resource while bound, as the scheduler counts it: the larger of the
 * sum over its containers and the largest init container (limits stand in for missing
 * requests: extended resources must have them equal).
 */
export function podRequests(pod: unknown, resources: ReadonlySet<string>): Map<string, number> {
  const spec = field(pod, 'spec')
  const amounts = (c: unknown, r: string): number => {
    const res = field(c, 'resources')
    const v = field(field(res, 'requests'), r) ?? field(field(res, 'limits'), r)
    return parseWholeQuantity(v) ?? 0
  }
  const list = (key: string): unknown[] => {
    const v = field(spec, key)
    return Array.isArray(v) ? v : []
  }
  const out = new Map<string, number>()
  for (const r of resources) {
    const sum = list('containers').reduce<number>((n, c) => n + amounts(c, r), 0)
    const init = Math.max(0, ...list('initContainers').map((c) => amounts(c, r)))
    const total = Math.max(sum, init)
    if (total > 0) out.set(r, total)
  }
  return out
}

/** Sums the requests of bound, unfinished pods per node. */
export class NodeRequests {
  private readonly byNode = new Map<string, Map<string, number>>()

  constructor(private readonly resources: ReadonlySet<string>) {}

  add(pod: unknown): void {
    const node = stringField(field(pod, 'spec'), 'nodeName')
    const phase = stringField(field(pod, 'status'), 'phase')
    if (!node || phase === 'Succeeded' || phase === 'Failed') return
    const requests = podRequests(pod, this.resources)
    if (requests.size === 0) return
    const sums = this.byNode.get(node) ?? new Map<string, number>()
    for (const [r, n] of requests) sums.set(r, (sums.get(r) ?? 0) + n)
    this.byNode.set(node, sums)
  }

  of(node: string, resource: string): number {
    return this.byNode.get(node)?.get(resource) ?? 0
  }
}

export function nodeRow(
  node: unknown,
  prefix: string,
  resources: readonly string[],
  requests: NodeRequests,
): NodeRow {
  const meta = metadataOf(node)
  const status = field(node, 'status')
  const amount = (key: string, r: string): number =>
    parseWholeQuantity(field(field(status, key), r)) ?? 0
  const shown = resources.filter(
    (r) => field(field(status, 'capacity'), r) !== undefined || requests.of(meta.name, r) > 0,
  )
  return {
    name: meta.name,
    ready: readiness(status),
    physicalNetworks: physicalNetworksOf(meta.labels, prefix),
    resources: shown.map((r) => ({
      name: r,
      capacity: amount('capacity', r),
      allocatable: amount('allocatable', r),
      requested: requests.of(meta.name, r),
    })),
  }
}

function readiness(status: unknown): string {
  const conditions = field(status, 'conditions')
  const ready = Array.isArray(conditions)
    ? conditions.find((c) => isObject(c) && c.type === 'Ready')
    : undefined
  if (ready === undefined) return 'Unknown'
  return stringField(ready, 'status') === 'True' ? 'Ready' : 'NotReady'
}
