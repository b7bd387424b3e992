import { error, warning, type Finding, type RuleCode } from '../spec/finding.js'
import { parseDefaultNetwork, parseSelections } from '../spec/selection.js'
import { ANNOTATIONS, networkKey, type SelectionElement } from '../spec/types.js'
import type { Decision, Subject, TenantAssignment } from '../policy/types.js'
import type { ClusterState, NadInfo } from './state.js'
import { messageOf } from '../errors.js'

/** One network the pod will be attached to, and where the request for it came from. */
export interface RequestedNetwork {
  readonly namespace: string
  readonly name: string
  /** For messages: `networks[2]`, `default-network`, `tenant acme`. */
  readonly origin: string
}

export interface PodNetworks {
  readonly selections: SelectionElement[]
  readonly defaultNetwork: SelectionElement | undefined
  /** Networks the tenant policy adds because the pod does not select them itself. */
  readonly tenantAdded: TenantAssignment['networks']
  /** Everything the pod ends up attached to, default network first. */
  readonly requested: readonly RequestedNetwork[]
  readonly findings: Finding[]
}

/** Parses both selection annotations and adds the tenant's networks the pod lacks. */
export function readPodNetworks(
  annotations: Readonly<Record<string, string>>,
  namespace: string,
  tenant: TenantAssignment | undefined,
): PodNetworks {
  const findings: Finding[] = []
  let selections: SelectionElement[] = []
  let defaultNetwork: SelectionElement | undefined
  const networksValue = annotations[ANNOTATIONS.networks]
  if (networksValue !== undefined) {
    const parsed = parseSelections(networksValue, namespace)
    findings.push(...parsed.findings)
    selections = parsed.elements
  }
  const defaultValue = annotations[ANNOTATIONS.defaultNetwork]
  if (defaultValue !== undefined) {
    const parsed = parseDefaultNetwork(defaultValue, namespace)
    findings.push(...parsed.findings)
    defaultNetwork = parsed.element
  }
  const selected = new Set(selections.map(networkKey))
  const tenantAdded = (tenant?.networks ?? []).filter((n) => !selected.has(networkKey(n)))
  const requested: RequestedNetwork[] = []
  if (defaultNetwork) requested.push({ ...pick(defaultNetwork), origin: 'default-network' })
  selections.forEach((s, i) => requested.push({ ...pick(s), origin: `networks[${i}]` }))
  for (const n of tenantAdded) requested.push({ ...pick(n), origin: `tenant ${tenant?.tenant}` })
  return { selections, defaultNetwork, tenantAdded, requested, findings }
}

function pick(n: { namespace: string; name: string }): { namespace: string; name: string } {
  return { namespace: n.namespace, name: n.name }
}

/**
 * Finds every requested NAD: from memory first, then at the source for those that may have been
 * created a moment ago, all at once, so that several misses cost one lookup time, not the sum,
 * and stay inside the API server's webhook timeout. A missing NAD is a denial (the attachment
 * would fail at CNI ADD and leave the pod stuck in ContainerCreating); so is a lookup that
 * failed (403, 5xx, timeout), with what happened: "could not check" is not "does not exist".
 */
export async function resolveNads(
  requested: readonly RequestedNetwork[],
  state: ClusterState,
): Promise<{ nads: Map<string, NadInfo>; findings: Finding[] }> {
  const nads = new Map<string, NadInfo>()
  const missing: RequestedNetwork[] = []
  for (const r of requested) {
    const k = networkKey(r)
    if (nads.has(k) || missing.some((m) => networkKey(m) === k)) continue
    const cached = state.getNad(r.namespace, r.name)
    if (cached) nads.set(k, cached)
    else missing.push(r)
  }
  // The usual case: every NAD is in memory, and there is nothing to wait for.
  if (missing.length === 0) return { nads, findings: [] }
  const answers = await Promise.allSettled(missing.map((r) => state.fetchNad(r.namespace, r.name)))
  const findings: Finding[] = []
  missing.forEach((r, i) => {
    const k = networkKey(r)
    const answer = answers[i] as PromiseSettledResult<NadInfo | undefined>
    if (answer.status === 'fulfilled' && answer.value) nads.set(k, answer.value)
    else if (answer.status === 'fulfilled') {
      findings.push(
        error(
          'pod.nad-missing',
          r.origin,
          `NetworkAttachmentDefinition ${k} does not exist; create it first or fix the reference`,
        ),
      )
    } else {
      findings.push(
        error(
          'pod.lookup-failed',
          r.origin,
          `could not check NetworkAttachmentDefinition ${k}: ${messageOf(answer.reason)}; the pod is refused because its network cannot be verified (retry; if it persists, an admin should check the webhook's access to the API server)`,
        ),
      )
    }
  })
  return { nads, findings }
}

/** Turns policy decisions into findings (enforce), warnings (warn) and audit entries. */
export function applyDecisions(
  requested: readonly RequestedNetwork[],
  decisions: readonly Decision[],
): { findings: Finding[]; audits: string[]; explain: string[] } {
  const findings: Finding[] = []
  const audits: string[] = []
  const explain: string[] = []
  decisions.forEach((d, i) => {
    const where = requested[i]?.origin ?? `networks[${i}]`
    const net = networkKey(d.network)
    if (d.allowed) {
      explain.push(`${net} (${where}): allowed by ${d.rule}${d.reason ? `: ${d.reason}` : ''}`)
      return
    }
    explain.push(`${net} (${where}): DENIED by ${d.rule} [${d.mode}]: ${d.reason}`)
    const message = `network ${net} refused by ${d.rule}: ${d.reason}${d.hint ? `; ${d.hint}` : ''}`
    if (d.mode === 'enforce') findings.push(error(ruleOf(d), where, message))
    else if (d.mode === 'warn') findings.push(warning(ruleOf(d), where, message))
    else audits.push(d.rule)
  })
  return { findings, audits, explain }
}

/**
 * The rule a policy names when it cannot decide at all (a policy ConfigMap is broken and no
 * valid copy of it is known, or the policy is not loaded yet): src/cluster/policy-set.ts.
 */
export const POLICY_UNAVAILABLE_RULE = 'policy-unavailable'

function ruleOf(d: Decision): RuleCode {
  if (d.rule === 'isolation') return 'policy.isolation'
  if (d.rule === POLICY_UNAVAILABLE_RULE) return 'policy.unavailable'
  if (d.rule.startsWith('tenant/')) return 'policy.tenant-locked'
  return 'policy.denied'
}

export function subjectOf(
  namespace: string,
  namespaceLabels: Readonly<Record<string, string>> | undefined,
  podLabels: Readonly<Record<string, string>>,
  serviceAccount: string | undefined,
): Subject {
  return {
    namespace,
    // The API server gives every namespace this label; it is all we know of an unknown one.
    namespaceLabels: namespaceLabels ?? { 'kubernetes.io/metadata.name': namespace },
    podLabels,
    serviceAccount: serviceAccount || 'default',
  }
}
