import type { Outcome } from '../admission/handle.js'
import type { AdmissionReviewResponse, PatchOp } from '../admission/review.js'

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
    for (const e of outcome.explain) lines.push(`  ${e}`)
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
