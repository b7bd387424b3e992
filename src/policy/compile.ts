/**
 * Policy documents -> one CompiledPolicy: merged in ConfigMap name order, rules filed in a
 * network index, tenants filed by namespace. Built once per policy change; `decide` then costs
 * a few map lookups per network plus the rules that could apply to it.
 */
import { error, type Finding } from '../spec/finding.js'
import {
  compileRule,
  compileTenant,
  type CompiledRule,
  type CompiledTenant,
} from './compiled-rules.js'
import { decideNetwork, type DecisionContext } from './decide.js'
import { clashMessage, inMergeOrder, type Definition, type NamedPolicyDocument } from './merge.js'
import { NetworkIndex } from './network-index.js'
import { POLICY_DATA_KEY, type PolicyDocument } from './document.js'
import type { CompiledPolicy, Decision, NetworkRef, Subject, TenantAssignment } from './types.js'

/** Where no policy says otherwise (OpenShift's globalNamespaces default). */
export const DEFAULT_GLOBAL_NAMESPACES: readonly string[] = ['default']

export function compilePolicy(
  docs: readonly { name: string; document: PolicyDocument }[],
): CompiledPolicy {
  const ordered = inMergeOrder(docs)
  const rules: CompiledRule[] = []
  const tenants: CompiledTenant[] = []
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
      findings.push(
        error('policy.invalid', path, `${clashMessage(def, earlier)}; this one is ignored`),
      )
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
  }
  const globalNamespaces = [...new Set(globals ?? DEFAULT_GLOBAL_NAMESPACES)]
  return new IndexedPolicy(
    ordered,
    ordered.map((d) => d.name),
    globalNamespaces,
    rules,
    tenants,
    findings,
  )
}

class IndexedPolicy implements CompiledPolicy {
  private readonly index = new NetworkIndex<CompiledRule>()
  private readonly tenantsByNamespace = new Map<string, CompiledTenant[]>()
  private readonly otherTenants: CompiledTenant[] = []
  private readonly ctx: DecisionContext

  constructor(
    readonly documents: readonly NamedPolicyDocument[],
    readonly sources: readonly string[],
    readonly globalNamespaces: readonly string[],
    rules: readonly CompiledRule[],
    tenants: readonly CompiledTenant[],
    readonly findings: readonly Finding[],
  ) {
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
    this.ctx = { globalNamespaces, isGlobal: (ns) => globalSet.has(ns) }
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
    return networks.map((ref) =>
      decideNetwork(this.ctx, subject, ref, this.index.lookup(ref), tenant),
    )
  }

  tenantFor = (subject: Subject): TenantAssignment | undefined => this.tenantOf(subject)?.assignment
}

/** No policy ConfigMap: namespace isolation with `default` as the only global namespace. */
export const DEFAULT_POLICY: CompiledPolicy = compilePolicy([])
