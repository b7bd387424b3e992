/**
 * Rules and tenants as the decision code uses them: matchers compiled once, modes resolved
 * (rule, else document, else enforce), and where each came from for messages.
 */
import { networkKey } from '../spec/types.js'
import type { NetworkMatch, PolicyAdmin, PolicyRule, PolicyTenant, RuleAction } from './document.js'
import { hasGlob } from './glob.js'
import { compileNetworkMatch } from './network-index.js'
import {
  compileNamespaceMatch,
  compileSubjectMatch,
  type NamespacePredicate,
  type SubjectPredicate,
} from './subject-match.js'
import type { Mode, NetworkRef, TenantAssignment } from './types.js'

export interface CompiledRule {
  /** Position in merge order (ConfigMap name, then place in the document). */
  readonly seq: number
  readonly name: string
  /** The ConfigMap that holds the rule. */
  readonly source: string
  /** As written: `allow` and `reserve` have the same effect, and messages use the written word. */
  readonly action: RuleAction
  /** What the rule does: refuse, allow without reserving, or allow and reserve. */
  readonly effect: 'deny' | 'grant' | 'reserve'
  readonly mode: Mode
  readonly description?: string
  readonly networks: NetworkMatch
  readonly subject: SubjectPredicate
}

export interface CompiledTenant {
  readonly seq: number
  readonly name: string
  readonly source: string
  readonly mode: Mode
  readonly assignment: TenantAssignment
  /** `namespace/name` of the tenant's networks. */
  readonly networkKeys: ReadonlySet<string>
  readonly matches: NamespacePredicate
  /** The namespaces named exactly, when that is the whole condition (an index key). */
  readonly exactNamespaces?: readonly string[]
  /** Names of the tenants whose networks this tenant's pods may also use. */
  readonly joins: readonly string[]
}

export interface CompiledAdmin {
  readonly seq: number
  readonly name: string
  readonly source: string
  readonly description?: string
  /** Admin namespaces: their pods may use every network. */
  readonly namespaces?: NamespacePredicate
  /** Networks open to every pod, locked tenants included. */
  readonly networks?: (ref: NetworkRef) => boolean
}

export function compileRule(
  rule: PolicyRule,
  seq: number,
  source: string,
  docMode: Mode,
): CompiledRule {
  const effect = rule.action === 'allow' ? 'reserve' : rule.action
  return {
    seq,
    name: rule.name,
    source,
    action: rule.action,
    effect,
    // A grant only allows: it is always in force (validation refuses warn or audit on one).
    mode: effect === 'grant' ? 'enforce' : (rule.mode ?? docMode),
    ...(rule.description === undefined ? {} : { description: rule.description }),
    networks: rule.networks,
    subject: compileSubjectMatch(rule.from),
  }
}

export function compileTenant(
  tenant: PolicyTenant,
  seq: number,
  source: string,
  docMode: Mode,
): CompiledTenant {
  const networks = tenant.networks.map((n) => {
    const slash = n.network.indexOf('/')
    const ref = { namespace: n.network.slice(0, slash), name: n.network.slice(slash + 1) }
    return n.interface === undefined ? ref : { ...ref, interface: n.interface }
  })
  const names = tenant.namespaces.names
  const exact = names && !tenant.namespaces.selector && !names.some(hasGlob)
  return {
    seq,
    name: tenant.name,
    source,
    mode: tenant.mode ?? docMode,
    assignment: { tenant: tenant.name, networks, locked: tenant.locked ?? false },
    networkKeys: new Set(networks.map(networkKey)),
    matches: compileNamespaceMatch(tenant.namespaces),
    ...(exact ? { exactNamespaces: names } : {}),
    joins: [...new Set(tenant.joins ?? [])],
  }
}

export function compileAdmin(admin: PolicyAdmin, seq: number, source: string): CompiledAdmin {
  return {
    seq,
    name: admin.name,
    source,
    ...(admin.description === undefined ? {} : { description: admin.description }),
    ...(admin.namespaces ? { namespaces: compileNamespaceMatch(admin.namespaces) } : {}),
    ...(admin.networks ? { networks: compileNetworkMatch(admin.networks) } : {}),
  }
}
