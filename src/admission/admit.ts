/**
 * The API server's order for a CREATE: mutate, apply the patch, validate the mutated object.
 * The answer carries the validation decision and the mutation patch. `multinet review` (endpoint
 * both) and `kubectl multinet explain` both run it, so they say the same thing for the same
 * object and state.
 */
import { applyPatch } from './apply-patch.js'
import { handleReview, type Outcome } from './handle.js'
import type { AdmissionOptions } from './options.js'
import type { AdmissionReviewResponse, PatchOp } from './review.js'
import type { ClusterState } from './state.js'
import { field, isObject } from '../spec/object.js'

export interface Admitted {
  readonly review: AdmissionReviewResponse
  readonly outcome: Outcome
  readonly patch: PatchOp[]
}

export async function admit(
  body: unknown,
  state: ClusterState,
  options: AdmissionOptions,
): Promise<Admitted> {
  const mutated = await handleReview('mutate', body, state, options)
  if (!mutated.review.response.allowed) return { ...mutated, patch: [] }
  const patch = decodePatch(mutated.review)
  const request = field(body, 'request')
  const patchedBody =
    patch.length > 0 && isObject(body) && isObject(request)
      ? { ...body, request: { ...request, object: applyPatch(request.object, patch) } }
      : body
  const validated = await handleReview('validate', patchedBody, state, options)
  const response = { ...validated.review.response }
  if (response.allowed && mutated.review.response.patch) {
    Object.assign(response, { patchType: 'JSONPatch', patch: mutated.review.response.patch })
  }
  const outcome: Outcome = {
    ...validated.outcome,
    patched: response.allowed && patch.length > 0,
    explain: [
      ...validated.outcome.explain,
      ...mutated.outcome.explain.filter((l) => !validated.outcome.explain.includes(l)),
    ],
    // mutate and validate can raise the same warning (a namespace not known yet): say it once.
    warnings: [...new Set([...mutated.outcome.warnings, ...validated.outcome.warnings])],
  }
  return {
    review: { ...validated.review, response },
    outcome,
    patch: response.allowed ? patch : [],
  }
}

export function decodePatch(review: AdmissionReviewResponse): PatchOp[] {
  const p = review.response.patch
  return p ? (JSON.parse(Buffer.from(p, 'base64').toString('utf8')) as PatchOp[]) : []
}
