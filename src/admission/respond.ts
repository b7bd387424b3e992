import {
  errorsOf,
  formatFinding,
  warningsOf,
  type Finding,
  type RuleCode,
} from '../spec/finding.js'
import { shownLines, truncate } from '../spec/limits.js'
import type { AdmissionResponse, AdmissionReviewResponse, PatchOp } from './review.js'

/** What a reviewer concluded, before it is encoded for the API server. */
export interface Verdict {
  /** Errors deny; warnings become AdmissionResponse warnings. */
  readonly findings: readonly Finding[]
  /** Rule names of policy refusals in audit mode: logged and counted, never shown. */
  readonly audits: readonly string[]
  /** RFC 6902 operations (mutating endpoint only); empty means no patch at all. */
  readonly patch: readonly PatchOp[]
  /** Human lines for `multinet review -o text`: decisions, injections. */
  readonly explain: readonly string[]
}

/** Refusals of who may do what answer 403 Forbidden; anything else is invalid input (422). */
const FORBIDDEN_RULES: ReadonlySet<RuleCode> = new Set<RuleCode>([
  'policy.denied',
  'policy.isolation',
  'policy.tenant-locked',
  'pod.network-status-forged',
])

export const EMPTY_VERDICT: Verdict = Object.freeze({
  findings: [],
  audits: [],
  patch: [],
  explain: [],
})

/** Longest subject (`Pod ns/name`) in a message: names are user input until validated. */
const MAX_SUBJECT_CHARS = 300

/**
 * Encodes a verdict. A denial lists every problem (not just the first, up to a bound) so that
 * one round trip tells the user what they must fix; the response never echoes the request
 * object back.
 */
export function encodeVerdict(uid: string, subject: string, v: Verdict): AdmissionReviewResponse {
  const errors = errorsOf(v.findings)
  const warnings = shownLines(warningsOf(v.findings).map(formatFinding), 'warning')
  let response: AdmissionResponse
  if (errors.length > 0) {
    const forbidden = errors.some((f) => FORBIDDEN_RULES.has(f.rule))
    const count = errors.length === 1 ? '1 problem' : `${errors.length} problems`
    const lines = shownLines(errors.map(formatFinding), 'problem').join('; ')
    response = {
      uid,
      allowed: false,
      status: {
        code: forbidden ? 403 : 422,
        reason: forbidden ? 'Forbidden' : 'Invalid',
        message: `multinet: ${truncate(subject, MAX_SUBJECT_CHARS)}: ${count}: ${lines}`,
      },
      ...(warnings.length > 0 ? { warnings } : {}),
    }
  } else {
    response = {
      uid,
      allowed: true,
      ...(v.patch.length > 0
        ? {
            patchType: 'JSONPatch' as const,
            patch: Buffer.from(JSON.stringify(v.patch)).toString('base64'),
          }
        : {}),
      ...(warnings.length > 0 ? { warnings } : {}),
    }
  }
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }
}
