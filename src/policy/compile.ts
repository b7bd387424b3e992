/**
 * Policy documents -> one CompiledPolicy: merged in ConfigMap name order, rules filed in a
 * network index, tenants filed by namespace. Built once per policy change; `decide` then costs
 * a few map lookups per network plus the rules that could apply to it.
 */
import { error, type Finding } from '../spec/finding.js'
import {
  compileAdmin,
  compileRule,
  compileTenant,
  type CompiledAdmin,
  type CompiledRule,
  type CompiledTenant,
} from './compiled-rules.js'
import { decideNetwork, type DecisionContext } from './decide.js'
import { clashMessage, inMergeOrder, type Definition, type NamedPolicyDocument } from './merge.js'
import { NetworkIndex } from './network-index.js'
import { POLICY_DATA_KEY, type PolicyDocument } from './document.js'
import { withLine } from './lines.js'
import type { CompiledPolicy, Decision, NetworkRef, Subject, TenantAssignment } from './types.js'

/** Where no policy says otherwise (OpenShift's globalNamespaces default). */
export const DEFAULT_GLOBAL_NAMESPACES: readonly string[] = ['default']

export function compilePolicy(
  docs: readonly { name: string; document: PolicyDocument }[],
): CompiledPolicy {
  const ordered = inMergeOrder(docs)
  const rules: CompiledRule[] = []
  const tenants: CompiledTenant[] = []
  const admins: CompiledAdmin[] = []
  const findings: Finding[] = []
  const defined = new Map<string, Definition>()
  let globals: string[] | undefined
  let seq = 0
  for (const { name, document } of ordered) {
    const mode = document.mode ?? 'enforce'
    if (document.globalNamespaces) globals = [...(globals ?? []), ...document.globalNamespaces]
    // The first definition of a name stays in force; a clash is reported, not merged.
    const claim = (def: Definition): boolean => {
      const key = `${def.kind}/${def.name}`
      const earlier = defined.get(key)
      if (!earlier) {
        defined.set(key, def)
        return true
      }
      const path = `configmap/${name}: ${POLICY_DATA_KEY}: ${def.at}.name`
      const message = `${clashMessage(def, earlier)}; this one is ignored`
      findings.push(error('policy.invalid', path, withLine(message, document, def.at)))
      return false
    }
    document.rules?.forEach((rule, i) => {
      if (claim({ kind: 'rule', name: rule.name, source: name, at: `rules[${i}]` })) {
        rules.push(compileRule(rule, seq++, name, mode))
      }
    })
    document.tenants?.forEach((tenant, i) => {
      if (claim({ kind: 'tenant', name: tenant.name, source: name, at: `tenants[${i}]` })) {
        tenants.push(compileTenant(tenant, seq++, name, mode))
      }
    })
    document.admins?.forEach((admin, i) => {
      if (claim({ kind: 'admin', name: admin.name, source: name, at: `admins[${i}]` })) {
        admins.push(compileAdmin(admin, seq++, name))
      }
    })
  }
  const globalNamespaces = [...new Set(globals ?? DEFAULT_GLOBAL_NAMESPACES)]
  return new IndexedPolicy(
    ordered,
    ordered.map((d) => d.name),
    globalNamespaces,
    rules,
    tenants,
    admins,
    findings,
  )
}

class IndexedPolicy implements CompiledPolicy {
  private readonly index = new NetworkIndex<CompiledRule>()
  private readonly tenantsByNamespace = new Map<string, CompiledTenant[]>()
  private readonly otherTenants: CompiledTenant[] = []
  /** For each tenant (by seq), the tenants it joins that exist, in the order it names them. */
  private readonly joined = new Map<number, CompiledTenant[]>()
  private readonly ctx: DecisionContext

  constructor(
    readonly documents: readonly NamedPolicyDocument[],
    readonly sources: readonly string[],
    readonly globalNamespaces: readonly string[],
    rules: readonly CompiledRule[],
    tenants: readonly CompiledTenant[],
    admins: readonly CompiledAdmin[],
    readonly findings: readonly Finding[],
  ) {
    // A join of a tenant that no ConfigMap defines joins nothing (fails safe: less access). The
    // webhook warns about it when the ConfigMap is written (merge.ts); the policy in force does
    // not count it as a problem, since it cannot open anything.
    const byName = new Map(tenants.map((t) => [t.name, t]))
    for (const tenant of tenants) {
      const list = tenant.joins.flatMap((j) => byName.get(j) ?? [])
      if (list.length > 0) this.joined.set(tenant.seq, list)
    }
    for (const rule of rules) this.index.add(rule, rule.networks)
    for (const tenant of tenants) {
      if (!tenant.exactNamespaces) {
        this.otherTenants.push(tenant)
        continue
      }
      for (const ns of new Set(tenant.exactNamespaces)) {
        const list = this.tenantsByNamespace.get(ns) ?? []
        list.push(tenant)
        this.tenantsByNamespace.set(ns, list)
      }
    }
    const globalSet = new Set(globalNamespaces)
    this.ctx = { globalNamespaces, isGlobal: (ns) => globalSet.has(ns), admins }
  }

  /** The first tenant in merge order whose namespaces include the subject's. */
  private tenantOf(subject: Subject): CompiledTenant | undefined {
    let found: CompiledTenant | undefined
    const candidates = [
      ...(this.tenantsByNamespace.get(subject.namespace) ?? []),
      ...this.otherTenants,
    ]
    for (const t of candidates) {
      if ((!found || t.seq < found.seq) && t.matches(subject.namespace, subject.namespaceLabels))
        found = t
    }
    return found
  }

  decide = (subject: Subject, networks: readonly NetworkRef[]): Decision[] => {
    const tenant = this.tenantOf(subject)
    const joined = tenant ? (this.joined.get(tenant.seq) ?? []) : []
    return networks.map((ref) =>
      decideNetwork(this.ctx, subject, ref, this.index.lookup(ref), tenant, joined),
    )
  }

  tenantFor = (subject: Subject): TenantAssignment | undefined => this.tenantOf(subject)?.assignment
}

/** No policy ConfigMap: namespace isolation with `default` as the only global namespace. */
export const DEFAULT_POLICY: CompiledPolicy = compilePolicy([])
