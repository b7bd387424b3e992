/**
 * The audit's findings, grouped by what refuses: a policy rule (`rule/NAME`), a tenant lock
 * (`tenant/NAME`), `isolation`, or another admission rule code (`pod.nad-missing`, ...). Pods
 * arrive page by page; only the refused ones are kept (name and reasons), so memory grows with
 * the refusals, never with the cluster. Pure: admission outcomes in, a report out.
 */
import type { Outcome } from '../../admission/handle.js'

export type RefusalMode = 'enforce' | 'warn' | 'audit'

export interface RefusedPod {
  readonly namespace: string
  readonly name: string
  readonly reasons: readonly string[]
  /** Refused under the proposed policy, admitted under the live one: what the change causes. */
  readonly new?: true
}

export interface AuditGroup {
  /** `rule/NAME`, `tenant/NAME`, `isolation` or an admission rule code. */
  readonly by: string
  /** enforce: the pod would be refused; warn: admitted with a warning; audit: logged only. */
  readonly mode: RefusalMode
  readonly pods: readonly RefusedPod[]
}

export interface AuditSummary {
  readonly checked: number
  /** Pods that would be refused (enforce). */
  readonly refused: number
  /** Of those, the pods the live policy admits (only when a proposal was compared to it). */
  readonly newlyRefused?: number
  readonly groups: readonly AuditGroup[]
}

/** `... refused by rule/x: ...` as admission words a policy refusal (pod-networks.ts). */
const DECIDER = / refused by ((?:rule|tenant)\/[a-z0-9.-]+|isolation)\b/
const CODE = /\[([a-z0-9.-]+)\]$/

/** What refused, from one formatted finding: the deciding rule, else its rule code. */
export function deciderOf(reason: string): string {
  return DECIDER.exec(reason)?.[1] ?? CODE.exec(reason)?.[1] ?? 'other'
}

export class AuditCollector {
  private checked = 0
  private readonly refusedPods = new Set<string>()
  private newlyRefused: number | undefined
  private readonly groups = new Map<string, { by: string; mode: RefusalMode; pods: RefusedPod[] }>()

  /**
   * One pod's outcome. `liveAllowed` is the live policy's answer for a pod the proposed policy
   * refuses (asked only when a proposal is audited), so a refusal the change causes is marked.
   */
  add(namespace: string, name: string, outcome: Outcome, liveAllowed?: boolean): void {
    this.checked++
    const denied = !outcome.allowed
    if (denied) this.refusedPods.add(`${namespace}/${name}`)
    const isNew = denied && liveAllowed === true
    if (liveAllowed !== undefined) this.newlyRefused = (this.newlyRefused ?? 0) + (isNew ? 1 : 0)
    this.record(namespace, name, 'enforce', denied ? outcome.reasons : [], isNew)
    // Warn-mode refusals come back as warnings that name their rule like a denial does.
    this.record(
      namespace,
      name,
      'warn',
      outcome.warnings.filter((w) => DECIDER.test(w)),
    )
    for (const rule of new Set(outcome.audits)) {
      this.group(rule, 'audit').push({
        namespace,
        name,
        reasons: [`refused in audit mode by ${rule}`],
      })
    }
  }

  summary(): AuditSummary {
    const order: Record<RefusalMode, number> = { enforce: 0, warn: 1, audit: 2 }
    const groups = [...this.groups.values()]
      .map((g) => ({ ...g, pods: [...g.pods].sort(byName) }))
      .sort(
        (a, b) =>
          order[a.mode] - order[b.mode] ||
          b.pods.length - a.pods.length ||
          a.by.localeCompare(b.by),
      )
    return {
      checked: this.checked,
      refused: this.refusedPods.size,
      ...(this.newlyRefused !== undefined && { newlyRefused: this.newlyRefused }),
      groups,
    }
  }

  private record(
    namespace: string,
    name: string,
    mode: RefusalMode,
    reasons: readonly string[],
    isNew = false,
  ): void {
    const byDecider = new Map<string, string[]>()
    for (const r of reasons) {
      const key = deciderOf(r)
      byDecider.set(key, [...(byDecider.get(key) ?? []), r])
    }
    for (const [by, list] of byDecider) {
      this.group(by, mode).push({ namespace, name, reasons: list, ...(isNew && { new: true }) })
    }
  }

  private group(by: string, mode: RefusalMode): RefusedPod[] {
    const key = `${mode} ${by}`
    let g = this.groups.get(key)
    if (g === undefined) {
      g = { by, mode, pods: [] }
      this.groups.set(key, g)
    }
    return g.pods
  }
}

function byName(a: RefusedPod, b: RefusedPod): number {
  return a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name)
}

const HEADINGS: Record<RefusalMode, string> = {
  enforce: 'would be REFUSED',
  warn: 'would be admitted with a warning',
  audit: 'would be admitted, logged by an audit-mode rule',
}

/** The text report: one block per group, each pod with the reasons that name the group. */
export function formatAudit(summary: AuditSummary, against: string): string {
  const plural = (n: number): string => `${n} pod${n === 1 ? '' : 's'}`
  const lines = [`Audited ${plural(summary.checked)} against ${against}.`]
  const fresh = summary.newlyRefused
  const news = fresh === undefined ? '' : `, ${fresh} of them (new) admitted by the live policy`
  lines.push(
    summary.refused === 0
      ? 'No pod would be refused.'
      : `${plural(summary.refused)} would be refused${news}.`,
  )
  for (const g of summary.groups) {
    lines.push('', `${g.by} [${g.mode}]: ${plural(g.pods.length)} ${HEADINGS[g.mode]}`)
    for (const p of g.pods) {
      const tag = p.new ? ' (new)' : ''
      for (const r of p.reasons) lines.push(`  ${p.namespace}/${p.name}${tag}: ${r}`)
    }
  }
  return `${lines.join('\n')}\n`
}
