import { errorsOf, formatFinding, warningsOf } from '../spec/finding.js'
import { reviewConfigMap } from './configmap.js'
import { decodeReview } from './decode.js'
import { reviewNad } from './nad.js'
import { metadataOf } from '../spec/object.js'
import type { AdmissionOptions } from './options.js'
import { reviewPod, type Endpoint } from './pod.js'
import type { AdmissionRequest, AdmissionReviewResponse } from './review.js'
import { EMPTY_VERDICT, encodeVerdict, type Verdict } from './respond.js'
import type { ClusterState } from './state.js'

export type { Endpoint } from './pod.js'

/** What happened, for logs, metrics and `multinet review -o text`. */
export interface Outcome {
  readonly uid: string
  readonly endpoint: Endpoint
  /** The object's kind, e.g. Pod, NetworkAttachmentDefinition. */
  readonly kind: string
  readonly resource: string
  readonly subResource?: string
  readonly operation: string
  readonly namespace: string
  readonly name: string
  readonly allowed: boolean
  /** Rule codes of the errors that denied (one entry per finding). */
  readonly deniedBy: readonly string[]
  readonly reasons: readonly string[]
  readonly warnings: readonly string[]
  readonly patched: boolean
  /** Policy rules that refused in audit mode (allowed, logged and counted). */
  readonly audits: readonly string[]
  readonly explain: readonly string[]
}

/**
 * The whole admission decision: AdmissionReview v1 in, AdmissionReview v1 out, with the same
 * uid. Throws MultinetError (MN_ERR_REVIEW_*) only when the envelope is unusable; every problem
 * with the object under review is a denial or a warning, never an exception.
 */
export async function handleReview(
  endpoint: Endpoint,
  body: unknown,
  state: ClusterState,
  options: AdmissionOptions,
): Promise<{ review: AdmissionReviewResponse; outcome: Outcome }> {
  const req = decodeReview(body)
  const verdict = await dispatch(endpoint, req, state, options)
  const meta = metadataOf(req.object ?? req.oldObject)
  const namespace = meta.namespace || req.namespace || ''
  const name = meta.name || req.name || ''
  const kind = req.kind.kind
  const subject = `${kind} ${namespace ? `${namespace}/` : ''}${name}`
  const review = encodeVerdict(req.uid, subject, verdict)
  const errors = errorsOf(verdict.findings)
  const outcome: Outcome = {
    uid: req.uid,
    endpoint,
    kind,
    resource: req.resource.resource,
    ...(req.subResource ? { subResource: req.subResource } : {}),
    operation: req.operation,
    namespace,
    name,
    allowed: review.response.allowed,
    deniedBy: errors.map((f) => f.rule),
    reasons: errors.map(formatFinding),
    warnings: warningsOf(verdict.findings).map(formatFinding),
    patched: review.response.patch !== undefined,
    audits: verdict.audits,
    explain: verdict.explain,
  }
  return { review, outcome }
}

function dispatch(
  endpoint: Endpoint,
  req: AdmissionRequest,
  state: ClusterState,
  options: AdmissionOptions,
): Promise<Verdict> | Verdict {
  const { group, resource } = req.resource
  if (group === '' && resource === 'pods') return reviewPod(endpoint, req, state, options)
  // NADs and policy ConfigMaps are only validated; the mutating endpoint lets them through.
  if (endpoint === 'mutate') return EMPTY_VERDICT
  if (group === 'k8s.cni.cncf.io' && resource === 'network-attachment-definitions') {
    return reviewNad(req, state)
  }
  if (group === '' && resource === 'configmaps' && !req.subResource) {
    return reviewConfigMap(req, state, options)
  }
  return EMPTY_VERDICT
}
