import { validateNad } from '../spec/nad.js'
import { isObject } from './object.js'
import type { AdmissionRequest } from './review.js'
import { EMPTY_VERDICT, type Verdict } from './respond.js'

/**
 * NetworkAttachmentDefinitions: the API server checks nothing but `spec.config: string`, so all
 * content validation happens here, on CREATE and UPDATE (OpenShift added UPDATE after users
 * slipped broken configs in through edits).
 */
export function reviewNad(req: AdmissionRequest): Verdict {
  if (req.operation !== 'CREATE' && req.operation !== 'UPDATE') return EMPTY_VERDICT
  const obj = withNamespace(req.object, req.namespace)
  const { findings } = validateNad(obj)
  return { ...EMPTY_VERDICT, findings, explain: findings.length === 0 ? ['NAD is valid'] : [] }
}

/** On CREATE the object may lack metadata.namespace; the request carries it. */
export function withNamespace(obj: unknown, namespace: string | undefined): unknown {
  if (!isObject(obj) || !isObject(obj.metadata) || !namespace) return obj
  if (typeof obj.metadata.namespace === 'string' && obj.metadata.namespace !== '') return obj
  return { ...obj, metadata: { ...obj.metadata, namespace } }
}
