/**
 * The words of decisions: why a network was allowed or refused, and what to ask for. A refusal
 * always names the rule and the ConfigMap that holds it, so a user knows whom to ask and what
 * to ask for without reading the policy.
 */
import { networkKey } from '../spec/types.js'
import type { CompiledAdmin, CompiledRule, CompiledTenant } from './compiled-rules.js'
import type { Mismatch } from './subject-match.js'
import type { NetworkRef, Subject } from './types.js'

const q = (s: string): string => JSON.stringify(s)
const net = (r: NetworkRef): string => q(networkKey(r))
const where = (source: string): string => `ConfigMap ${q(source)}`

export interface Outcome {
  readonly allowed: boolean
  readonly rule: string
  readonly reason: string
  readonly hint?: string
}

function withDescription(text: string, rule: CompiledRule): string {
  return rule.description ? `${text} (${rule.description.trim()})` : text
}

export function allowedByRule(rule: CompiledRule): Outcome {
  const how = rule.effect === 'grant' ? 'grants it to this pod' : 'allows it'
  return {
    allowed: true,
    rule: `rule/${rule.name}`,
    reason: `${rule.action} rule ${q(rule.name)} in ${where(rule.source)} ${how}`,
  }
}

export function allowedByAdminNamespace(admin: CompiledAdmin, s: Subject): Outcome {
  return {
    allowed: true,
    rule: `admin/${admin.name}`,
    reason: `namespace ${q(s.namespace)} is an admin namespace of ${q(admin.name)} (${where(admin.source)}), which may use every network`,
  }
}

export function allowedByAdminNetwork(admin: CompiledAdmin, ref: NetworkRef): Outcome {
  return {
    allowed: true,
    rule: `admin/${admin.name}`,
    reason: `admin entry ${q(admin.name)} (${where(admin.source)}) opens ${net(ref)} to every pod`,
  }
}

export function allowedByJoin(t: CompiledTenant, joined: CompiledTenant): Outcome {
  return {
    allowed: true,
    rule: `tenant/${t.name}`,
    reason: `it is a network of tenant ${q(joined.name)}, which tenant ${q(t.name)} joins (${where(t.source)})`,
  }
}

export function allowedByTenant(t: CompiledTenant, s: Subject): Outcome {
  return {
    allowed: true,
    rule: `tenant/${t.name}`,
    reason: `it is a network of tenant ${q(t.name)} (${where(t.source)}), which namespace ${q(s.namespace)} belongs to`,
  }
}

export function allowedByIsolation(ref: NetworkRef, s: Subject): Outcome {
  const reason =
    ref.namespace === s.namespace
      ? "the network is in the pod's own namespace"
      : `namespace ${q(ref.namespace)} is a global namespace`
  return { allowed: true, rule: 'isolation', reason }
}

export function deniedByRule(rule: CompiledRule, ref: NetworkRef, s: Subject): Outcome {
  return {
    allowed: false,
    rule: `rule/${rule.name}`,
    reason: withDescription(
      `deny rule ${q(rule.name)} in ${where(rule.source)} matches this pod`,
      rule,
    ),
    hint: `deny rules win over every allowance (admin entries, tenants, grants, reservations): ask an admin to exclude namespace ${q(s.namespace)} from rule ${q(rule.name)} in ${where(rule.source)} if it needs ${net(ref)}`,
  }
}

export function deniedByLock(
  t: CompiledTenant,
  ref: NetworkRef,
  s: Subject,
  joined: readonly CompiledTenant[] = [],
): Outcome {
  const own = t.assignment.networks.map(networkKey).join(', ') || 'none'
  const also = joined
    .map(
      (j) => `tenant ${q(j.name)}: ${j.assignment.networks.map(networkKey).join(', ') || 'none'}`,
    )
    .join('; ')
  const scope = joined.length > 0 ? `, and those of the tenants it joins (${also})` : ''
  return {
    allowed: false,
    rule: `tenant/${t.name}`,
    reason: `namespace ${q(s.namespace)} belongs to tenant ${q(t.name)} (${where(t.source)}), which is locked to its own networks (${own})${scope}`,
    hint: `ask an admin to add ${net(ref)} to the networks of tenant ${q(t.name)} in ${where(t.source)}, to have the tenant join the tenant that owns it, or to open it to every pod in an admin entry`,
  }
}

/** The network is reserved by allow rules and the pod is in none of them; `first` is named. */
export function reservedByRule(
  first: CompiledRule,
  others: number,
  mismatch: Mismatch,
  ref: NetworkRef,
  s: Subject,
): Outcome {
  const also = others > 0 ? ` and ${others} other reserving rule${others > 1 ? 's' : ''}` : ''
  const account = `${s.namespace}/${s.serviceAccount}`
  const failed: Record<Mismatch, string> = {
    namespace: `namespace ${q(s.namespace)} is not among its namespaces`,
    pod: "the pod's labels do not match its pod selector",
    serviceAccount: `service account ${q(account)} is not among its service accounts`,
  }
  const hints: Record<Mismatch, string> = {
    namespace: `ask an admin to add namespace ${q(s.namespace)} to rule ${q(first.name)} in ${where(first.source)}`,
    pod: `label the pod to match the pod selector of rule ${q(first.name)} in ${where(first.source)}, or ask an admin to widen it`,
    serviceAccount: `ask an admin to add service account ${q(account)} to rule ${q(first.name)} in ${where(first.source)}`,
  }
  return {
    allowed: false,
    rule: `rule/${first.name}`,
    reason: withDescription(
      `the network is reserved by ${first.action} rule ${q(first.name)} in ${where(first.source)}${also}, and ${failed[mismatch]}`,
      first,
    ),
    hint: hints[mismatch],
  }
}

export function deniedByIsolation(
  ref: NetworkRef,
  s: Subject,
  globals: readonly string[],
): Outcome {
  const listed = globals.length > 0 ? globals.map(q).join(', ') : 'none'
  return {
    allowed: false,
    rule: 'isolation',
    reason: `the pod is in namespace ${q(s.namespace)} and the network in namespace ${q(ref.namespace)}, which is not a global namespace (global: ${listed})`,
    hint: `ask an admin to add a grant rule for namespace ${q(s.namespace)} and network ${net(ref)} to a policy ConfigMap, or to add ${q(ref.namespace)} to globalNamespaces`,
  }
}
