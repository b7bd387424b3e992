/**
 * Who may use a network under a policy, asked of the policy itself (CompiledPolicy.decide, the
 * function admission calls), so the answer follows whatever the policy model becomes: a plain
 * pod (no labels, default service account) of every namespace, plus the pods attached now with
 * their own labels and service accounts. Each allowing decision is summed up by what decided it.
 */
import { subjectOf } from '../../admission/pod-networks.js'
import type { NadInfo } from '../../admission/state.js'
import type { CompiledPolicy, Subject } from '../../policy/types.js'

export interface AccessSummary {
  /** What allows it, e.g. `own-namespace`, `global`, `rule/x`, `tenant/y`, sorted. */
  readonly allowedBy: readonly string[]
  /** Per allowing decider, the namespaces whose pods it allows. */
  readonly namespaces: Readonly<Record<string, readonly string[]>>
  /** Rules and tenants that refused someone (isolation left out: it refuses most of the world). */
  readonly refusedBy: readonly string[]
}

export interface PodSubject {
  readonly namespace: string
  readonly podLabels: Readonly<Record<string, string>>
  readonly serviceAccount: string
}

export function accessOf(
  nad: NadInfo,
  policy: CompiledPolicy,
  namespaces: ReadonlyMap<string, Readonly<Record<string, string>> | undefined>,
  attachedPods: readonly PodSubject[],
): AccessSummary {
  const allowed = new Map<string, Set<string>>()
  const refused = new Set<string>()
  const ref = { namespace: nad.namespace, name: nad.name, labels: nad.labels }
  const ask = (subject: Subject): void => {
    const [d] = policy.decide(subject, [ref])
    if (d === undefined) return
    if (d.allowed) {
      const by = d.rule === 'isolation' ? isolationKind(nad, subject) : d.rule
      const set = allowed.get(by) ?? new Set<string>()
      set.add(subject.namespace)
      allowed.set(by, set)
    } else if (d.rule !== 'isolation') refused.add(d.rule)
  }
  for (const [ns, labels] of namespaces) ask(subjectOf(ns, labels, {}, undefined))
  for (const p of attachedPods) {
    ask(subjectOf(p.namespace, namespaces.get(p.namespace), p.podLabels, p.serviceAccount))
  }
  const allowedBy = [...allowed.keys()].sort()
  return {
    allowedBy,
    namespaces: Object.fromEntries(allowedBy.map((k) => [k, [...(allowed.get(k) ?? [])].sort()])),
    refusedBy: [...refused].sort(),
  }
}

function isolationKind(nad: NadInfo, subject: Subject): string {
  return subject.namespace === nad.namespace ? 'own-namespace' : 'global'
}
