/**
 * The API server's order for a CREATE, as `multinet review` (endpoint both) runs it: mutate,
 * apply the patch, validate the mutated object; the answer carries the validation decision and
 * the mutation patch. `explain` prints it with review's own text formatter, so the two commands
 * say the same thing for the same object and state.
 */
import { applyPatch } from '../../admission/apply-patch.js'
import { handleReview, type Outcome } from '../../admission/handle.js'
import type { AdmissionOptions } from '../../admission/options.js'
import type { AdmissionReviewResponse, PatchOp } from '../../admission/review.js'
import type { ClusterState } from '../../admission/state.js'
import { field, isObject, metadataOf } from '../../spec/object.js'
import { ANNOTATIONS } from '../../spec/types.js'

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
    warnings: [...mutated.outcome.warnings, ...validated.outcome.warnings],
  }
  return {
    review: { ...validated.review, response },
    outcome,
    patch: response.allowed ? patch : [],
  }
}

function decodePatch(review: AdmissionReviewResponse): PatchOp[] {
  const p = review.response.patch
  return p ? (JSON.parse(Buffer.from(p, 'base64').toString('utf8')) as PatchOp[]) : []
}

/**
 * A stored pod as its CREATE would have carried it: what the user wrote (name, labels,
 * annotations, spec), without what the server and the agent added since (uid, status,
 * network-status: only the agent may write that one, and it is what happened, not a request).
 */
export function asCreated(pod: unknown): Record<string, unknown> {
  const meta = field(pod, 'metadata')
  const m = metadataOf(pod)
  const annotations = { ...m.annotations }
  delete annotations[ANNOTATIONS.networkStatus]
  const keep = (key: string): Record<string, unknown> => {
    const v = field(meta, key)
    return v === undefined ? {} : { [key]: v }
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...keep('name'),
      ...keep('generateName'),
      ...keep('namespace'),
      ...keep('labels'),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      ...keep('ownerReferences'),
    },
    spec: field(pod, 'spec') ?? {},
  }
}
