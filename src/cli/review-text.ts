import type { Outcome } from '../admission/handle.js'
import type { AdmissionReviewResponse, PatchOp } from '../admission/review.js'
import { injectedAs } from '../mutation/tenant.js'

/**
 * An injected tenant network appears once. `review` explains the mutation (the decision as
 * `x (tenant t)` and the injection line) and then the validation of the patched pod, where the
 * network is one of the selections (`x (networks[1])`): the three lines become one, in the place
 * of the first, with the tenant's decision and the interface.
 */
export function foldInjected(explain: readonly string[]): string[] {
  const injected = new Map<string, string>()
  for (const line of explain) {
    const i = injectedAs(line)
    if (i) injected.set(i.network, i.ifname)
  }
  const decided = new Map<string, string>()
  for (const line of explain) {
    const m = /^(\S+) \((tenant [^)]+)\): (.*)$/.exec(line)
    const ifname = m && injected.get(m[1]!)
    if (m && ifname) decided.set(m[1]!, `${m[1]} (${m[2]}, injected as ${ifname}): ${m[3]}`)
  }
  const shown = new Set<string>()
  const out: string[] = []
  for (const line of explain) {
    const network = injectedAs(line)?.network ?? /^(\S+) \(/.exec(line)?.[1]
    const folded = network === undefined ? undefined : decided.get(network)
    if (network === undefined || folded === undefined) out.push(line)
    else if (!shown.has(network)) {
      shown.add(network)
      out.push(folded)
    }
  }
  return out
}

/** The human summary of `multinet review -o text`: decision, why, and what would be injected. */
export function formatReviewText(
  outcome: Outcome,
  review: AdmissionReviewResponse,
  patch: readonly PatchOp[],
): string {
  const target = `${outcome.kind} ${outcome.namespace ? `${outcome.namespace}/` : ''}${outcome.name}`
  const lines = [`${target}: ${outcome.allowed ? 'ALLOWED' : 'DENIED'}`]
  if (outcome.explain.length > 0) {
    lines.push('decisions:')
    for (const e of foldInjected(outcome.explain)) lines.push(`  ${e}`)
  }
  if (!outcome.allowed) {
    lines.push('denied because:')
    for (const r of outcome.reasons) lines.push(`  - ${r}`)
  }
  if (outcome.warnings.length > 0) {
    lines.push('warnings:')
    for (const w of outcome.warnings) lines.push(`  - ${w}`)
  }
  if (outcome.audits.length > 0) lines.push(`audit (allowed, logged): ${outcome.audits.join(', ')}`)
  if (patch.length > 0) {
    lines.push(`patch (${patch.length} operations):`)
    for (const op of patch) lines.push(`  ${op.op} ${op.path} ${JSON.stringify(op.value)}`)
  }
  const status = review.response.status
  if (status) lines.push(`status: ${status.code} ${status.reason ?? ''}`.trimEnd())
  return `${lines.join('\n')}\n`
}
