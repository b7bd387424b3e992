/**
 * Several policy ConfigMaps make one policy: they merge in name order, and rule and tenant
 * names must be unique across all of them (a decision names its rule, so two rules with one
 * name would make refusals ambiguous, and a later ConfigMap must not silently replace an
 * earlier rule). The webhook refuses a ConfigMap that would clash; the compiler keeps the
 * first definition if a clash got in anyway (created while the webhook was down).
 */
import { error, warning, type Finding } from '../spec/finding.js'
import { POLICY_DATA_KEY, type PolicyDocument } from './document.js'
import { documentLine, withLine } from './lines.js'

export interface NamedPolicyDocument {
  /** Name of the ConfigMap. */
  readonly name: string
  readonly document: PolicyDocument
}

/** ConfigMaps in merge order: by name, as Kubernetes sorts them (code-point order). */
export function inMergeOrder<T extends { readonly name: string }>(docs: readonly T[]): T[] {
  return [...docs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

export interface Definition {
  readonly kind: 'rule' | 'tenant' | 'admin'
  readonly name: string
  readonly source: string
  /** `rules[3]` */
  readonly at: string
}

/** Every rule and tenant name a document defines, with where. */
export function definitionsOf(doc: NamedPolicyDocument): Definition[] {
  const rules = (doc.document.rules ?? []).map((r, i) => ({
    kind: 'rule' as const,
    name: r.name,
    source: doc.name,
    at: `rules[${i}]`,
  }))
  const tenants = (doc.document.tenants ?? []).map((t, i) => ({
    kind: 'tenant' as const,
    name: t.name,
    source: doc.name,
    at: `tenants[${i}]`,
  }))
  const admins = (doc.document.admins ?? []).map((a, i) => ({
    kind: 'admin' as const,
    name: a.name,
    source: doc.name,
    at: `admins[${i}]`,
  }))
  return [...rules, ...tenants, ...admins]
}

export function clashMessage(def: Definition, earlier: Definition): string {
  const place =
    earlier.source === def.source
      ? earlier.at
      : `${earlier.at} of policy ConfigMap "${earlier.source}"`
  return `${def.kind} name "${def.name}" is already defined in ${place}; ${def.kind} names must be unique across policy ConfigMaps`
}

/**
 * Findings for the ConfigMap `candidate` (being created or updated) against the other policy
 * ConfigMaps in force: each of its rule or tenant names that another one already uses.
 */
export function policyConflicts(
  candidate: NamedPolicyDocument,
  others: readonly NamedPolicyDocument[],
): Finding[] {
  const taken = new Map<string, Definition>()
  for (const other of inMergeOrder(others)) {
    if (other.name === candidate.name) continue
    for (const def of definitionsOf(other)) {
      const key = `${def.kind}/${def.name}`
      if (!taken.has(key)) taken.set(key, def)
    }
  }
  const findings: Finding[] = []
  const tenants = new Set(
    [...others.filter((d) => d.name !== candidate.name), candidate].flatMap((d) =>
      (d.document.tenants ?? []).map((t) => t.name),
    ),
  )
  candidate.document.tenants?.forEach((tenant, i) => {
    tenant.joins?.forEach((joined, j) => {
      if (tenants.has(joined)) return
      const message = `tenant "${joined}" is not defined in any policy ConfigMap: the join has no effect until it is`
      const line = documentLine(candidate.document, ['tenants', i, 'joins', j])
      findings.push(
        warning(
          'policy.invalid',
          `${POLICY_DATA_KEY}: tenants[${i}].joins[${j}]`,
          line === undefined ? message : `${message} (line ${line})`,
        ),
      )
    })
  })
  for (const def of definitionsOf(candidate)) {
    const earlier = taken.get(`${def.kind}/${def.name}`)
    if (earlier) {
      const message = withLine(clashMessage(def, earlier), candidate.document, def.at)
      findings.push(error('policy.invalid', `${POLICY_DATA_KEY}: ${def.at}.name`, message))
    }
  }
  return findings
}
