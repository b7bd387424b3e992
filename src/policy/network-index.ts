/**
 * Finds the rules that name a network without trying every rule. Each rule is filed under the
 * most specific key its `networks` allows:
 *   - an exact `namespace/name`                      -> by network
 *   - an exact namespace with a name glob             -> by namespace and name prefix
 *   - a namespace glob with a literal prefix (`team-*`) -> by namespace prefix
 *   - no names, physical networks                     -> by physical network
 *   - no names, a selector that requires a label value -> by label key and value
 *   - anything else (`*` namespaces, bare Exists)      -> always tried
 * The literal text before a `*` is a prefix key: a lookup tries each prefix of the network's
 * namespace (or name) up to the longest key filed, and each NAD label. So its cost depends on
 * the rules that could apply, not on how many rules there are.
 */
import type { NetworkMatch } from './document.js'
import { compilePair, matchPair, type PairMatcher } from './glob.js'
import { compileSelector, requiredPairs, type LabelPredicate } from './selector.js'
import { nadKey, networkKey } from '../spec/types.js'
import type { NetworkRef } from './types.js'

export interface Indexed {
  /** Position in merge order: lookups return entries in this order. */
  readonly seq: number
}

interface Filed<T> {
  readonly entry: T
  readonly matches: (ref: NetworkRef) => boolean
}

function listIn<K, V>(map: Map<K, V[]>, key: K): V[] {
  let list = map.get(key)
  if (!list) map.set(key, (list = []))
  return list
}

export function compileNetworkMatch(m: NetworkMatch): (ref: NetworkRef) => boolean {
  const names: PairMatcher[] | undefined = m.names?.map(compilePair)
  const selector: LabelPredicate | undefined = m.selector && compileSelector(m.selector)
  const physical = m.physicalNetworks && new Set(m.physicalNetworks)
  return (ref) =>
    (!names || names.some((n) => matchPair(n, ref.namespace, ref.name))) &&
    (!selector || selector(ref.labels)) &&
    // A NAD without a physical network (or one the webhook does not know) matches none.
    (!physical || (ref.physicalNetwork !== undefined && physical.has(ref.physicalNetwork)))
}

export class NetworkIndex<T extends Indexed> {
  private readonly byNetwork = new Map<string, Filed<T>[]>()
  /** `namespace/name-prefix` */
  private readonly byNamePrefix = new Map<string, Filed<T>[]>()
  private readonly byPrefix = new Map<string, Filed<T>[]>()
  private readonly byLabel = new Map<string, Map<string, Filed<T>[]>>()
  private readonly byPhysical = new Map<string, Filed<T>[]>()
  private readonly always: Filed<T>[] = []
  private longestPrefix = 0
  private longestNamePrefix = 0

  add(entry: T, m: NetworkMatch): void {
    const filed: Filed<T> = { entry, matches: compileNetworkMatch(m) }
    if (m.names) {
      // Once per bucket: a rule listing `a/x*` and `a/y*` is filed once under namespace `a`.
      const buckets = new Set(m.names.map((n) => this.bucketFor(compilePair(n))))
      for (const bucket of buckets) bucket.push(filed)
      return
    }
    if (m.physicalNetworks) {
      for (const physical of new Set(m.physicalNetworks))
        listIn(this.byPhysical, physical).push(filed)
      return
    }
    const pairs = m.selector && requiredPairs(m.selector)
    if (!pairs) {
      this.always.push(filed)
      return
    }
    let values = this.byLabel.get(pairs.key)
    if (!values) this.byLabel.set(pairs.key, (values = new Map()))
    for (const value of pairs.values) listIn(values, value).push(filed)
  }

  private bucketFor(pair: PairMatcher): Filed<T>[] {
    const ns = pair.namespace
    if ('exact' in ns) {
      const name = pair.name
      if ('exact' in name) return listIn(this.byNetwork, nadKey(ns.exact, name.exact))
      this.longestNamePrefix = Math.max(this.longestNamePrefix, name.prefix.length)
      return listIn(this.byNamePrefix, nadKey(ns.exact, name.prefix))
    }
    if (ns.prefix === '') return this.always
    this.longestPrefix = Math.max(this.longestPrefix, ns.prefix.length)
    return listIn(this.byPrefix, ns.prefix)
  }

  /** Entries whose `networks` match the network, in merge order, each once. */
  lookup(ref: NetworkRef): T[] {
    const buckets: (Filed<T>[] | undefined)[] = [this.byNetwork.get(networkKey(ref)), this.always]
    if (this.byNamePrefix.size > 0) {
      const limit = Math.min(this.longestNamePrefix, ref.name.length)
      for (let i = 0; i <= limit; i++) {
        buckets.push(this.byNamePrefix.get(nadKey(ref.namespace, ref.name.slice(0, i))))
      }
    }
    const limit = Math.min(this.longestPrefix, ref.namespace.length)
    for (let i = 1; i <= limit; i++) buckets.push(this.byPrefix.get(ref.namespace.slice(0, i)))
    if (ref.physicalNetwork !== undefined) buckets.push(this.byPhysical.get(ref.physicalNetwork))
    if (this.byLabel.size > 0) {
      for (const [key, value] of Object.entries(ref.labels)) {
        buckets.push(this.byLabel.get(key)?.get(value))
      }
    }
    const found: T[] = []
    const seen = new Set<number>()
    for (const bucket of buckets) {
      for (const filed of bucket ?? []) {
        if (seen.has(filed.entry.seq) || !filed.matches(ref)) continue
        seen.add(filed.entry.seq)
        found.push(filed.entry)
      }
    }
    return found.sort((a, b) => a.seq - b.seq)
  }
}
