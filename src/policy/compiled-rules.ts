/**
 * Rules and tenants as the decision code uses them: matchers compiled once, modes resolved
 * (rule, else document, else enforce), and where each came from for messages.
 */
import { networkKey } from '../spec/types.js'
import type { NetworkMatch, PolicyRule, PolicyTenant } from './document.js'
import { hasGlob } from './glob.js'
import {
  compileNamespaceMatch,
  compileSubjectMatch,
  type NamespacePredicate,
  type SubjectPredicate,
} from './subject-match.js'
import type { Mode, TenantAssignment } from './types.js'

export interface CompiledRule {
  /** Position in merge order (ConfigMap name, then place in the document). */
  readonly seq: number
  readonly name: string
  /** The ConfigMap that holds the rule. */
  readonly source: string
  readonly action: 'allow' | 'deny'
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
}

export function compileRule(
  rule: PolicyRule,
  seq: number,
  source: string,
  docMode: Mode,
): CompiledRule {
  return {
    seq,
    name: rule.name,
    source,
    action: rule.action,
    mode: rule.mode ?? docMode,
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
  }
}
