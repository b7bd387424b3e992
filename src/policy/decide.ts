/**
 * One decision: may this pod use this network? Precedence, strongest first:
 *   1. a deny rule that matches the network and the pod refuses it;
 *   2. an admin entry allows every network to its admin namespaces, and its networks to
 *      every pod;
 *   3. a locked tenant refuses every network that is not its own or of a tenant it joins;
 *   4. a tenant's own networks, and those of the tenants it joins, are allowed to it;
 *   5. a grant rule that matches the network and the pod allows it (it reserves nothing);
 *   6. a network named by reserving rules (reserve, allow) is reserved to their pods (even in
 *      its own namespace);
 *   7. otherwise isolation: the pod's own namespace and the global namespaces only.
 * Modes: rules in warn or audit mode never change whether a pod is admitted; they report what
 * they would refuse. So the decision is taken three times, with the enforce rules, then adding
 * the warn rules, then the audit rules; the first refusal gives the decision its mode.
 */
import type { CompiledAdmin, CompiledRule, CompiledTenant } from './compiled-rules.js'
import { networkKey } from '../spec/types.js'
import {
  allowedByAdminNamespace,
  allowedByAdminNetwork,
  allowedByIsolation,
  allowedByJoin,
  allowedByRule,
  allowedByTenant,
  deniedByIsolation,
  deniedByLock,
  deniedByRule,
  reservedByRule,
  type Outcome,
} from './messages.js'
import type { Decision, Mode, NetworkRef, Subject } from './types.js'

const RANK: Readonly<Record<Mode, number>> = { enforce: 0, warn: 1, audit: 2 }
const LAYERS: readonly Mode[] = ['enforce', 'warn', 'audit']

export interface DecisionContext {
  readonly globalNamespaces: readonly string[]
  readonly isGlobal: (namespace: string) => boolean
  /** Admin entries in merge order (none when absent). */
  readonly admins?: readonly CompiledAdmin[]
}

/** `joined`: the tenants whose networks `tenant` joins, in the order it names them. */
export function decideNetwork(
  ctx: DecisionContext,
  subject: Subject,
  ref: NetworkRef,
  candidates: readonly CompiledRule[],
  tenant: CompiledTenant | undefined,
  joined: readonly CompiledTenant[] = [],
): Decision {
  const network = { namespace: ref.namespace, name: ref.name }
  // Without warn or audit parts, the three layers would give the same answer: decide once.
  const layered =
    candidates.some((r) => r.mode !== 'enforce') ||
    (tenant !== undefined && tenant.mode !== 'enforce')
  let admitted: Outcome | undefined
  for (const layer of layered ? LAYERS : LAYERS.slice(0, 1)) {
    const outcome = evaluate(ctx, subject, ref, candidates, tenant, joined, RANK[layer])
    if (!outcome.allowed) return { network, ...outcome, mode: layer }
    admitted ??= outcome
  }
  return { network, ...admitted!, mode: 'enforce' }
}

function evaluate(
  ctx: DecisionContext,
  subject: Subject,
  ref: NetworkRef,
  candidates: readonly CompiledRule[],
  tenant: CompiledTenant | undefined,
  joined: readonly CompiledTenant[],
  rank: number,
): Outcome {
  const active = candidates.filter((r) => RANK[r.mode] <= rank)
  const deny = active.find((r) => r.effect === 'deny' && r.subject(subject) === undefined)
  if (deny) return deniedByRule(deny, ref, subject)
  for (const admin of ctx.admins ?? []) {
    if (admin.namespaces?.(subject.namespace, subject.namespaceLabels)) {
      return allowedByAdminNamespace(admin, subject)
    }
    if (admin.networks?.(ref)) return allowedByAdminNetwork(admin, ref)
  }
  const key = networkKey(ref)
  const own = tenant?.networkKeys.has(key) ?? false
  const joinedOwner = own ? undefined : joined.find((j) => j.networkKeys.has(key))
  if (tenant?.assignment.locked && !own && !joinedOwner && RANK[tenant.mode] <= rank) {
    return deniedByLock(tenant, ref, subject, joined)
  }
  if (tenant && own) return allowedByTenant(tenant, subject)
  if (tenant && joinedOwner) return allowedByJoin(tenant, joinedOwner)
  const granted = active.find((r) => r.effect === 'grant' && r.subject(subject) === undefined)
  if (granted) return allowedByRule(granted)
  const allows = active.filter((r) => r.effect === 'reserve')
  if (allows.length > 0) {
    const granted = allows.find((r) => r.subject(subject) === undefined)
    if (granted) return allowedByRule(granted)
    const first = allows[0]!
    return reservedByRule(first, allows.length - 1, first.subject(subject)!, ref, subject)
  }
  if (ref.namespace === subject.namespace || ctx.isGlobal(ref.namespace)) {
    return allowedByIsolation(ref, subject)
  }
  return deniedByIsolation(ref, subject, ctx.globalNamespaces)
}
