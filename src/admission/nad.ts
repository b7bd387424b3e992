import { warning } from '../spec/finding.js'
import { validateNad } from '../spec/nad.js'
import { isObject, metadataOf } from '../spec/object.js'
import type { AdmissionRequest } from './review.js'
import { EMPTY_VERDICT, type Verdict } from './respond.js'
import type { ClusterState } from './state.js'

/**
 * NetworkAttachmentDefinitions: the API server checks nothing but `spec.config: string`, so all
 * content validation happens here, on CREATE and UPDATE (OpenShift added UPDATE after users
 * slipped broken configs in through edits).
 */
export function reviewNad(req: AdmissionRequest, state: ClusterState): Verdict | Promise<Verdict> {
  if (req.operation === 'DELETE') return reviewNadDelete(req, state)
  if (req.operation !== 'CREATE' && req.operation !== 'UPDATE') return EMPTY_VERDICT
  const obj = withNamespace(req.object, req.namespace)
  const { findings } = validateNad(obj)
  return { ...EMPTY_VERDICT, findings, explain: findings.length === 0 ? ['NAD is valid'] : [] }
}

/**
 * Deleting a NAD that running pods select is allowed (the admin may mean it) but never silent
 * (Multus #199): their attachments stay, yet new pods that select it are refused, and a
 * recreated NAD with another config would not match what those pods carry.
 */
async function reviewNadDelete(req: AdmissionRequest, state: ClusterState): Promise<Verdict> {
  const meta = metadataOf(req.oldObject)
  const namespace = meta.namespace || req.namespace || ''
  const name = meta.name || req.name || ''
  if (namespace === '' || name === '') return EMPTY_VERDICT
  const usage = await state.podsUsingNad(namespace, name)
  if (!usage.ok) {
    const message = `could not check whether pods still select ${namespace}/${name}: ${usage.reason}`
    return { ...EMPTY_VERDICT, findings: [warning('nad.in-use', 'metadata.name', message)] }
  }
  if (usage.total === 0) {
    return { ...EMPTY_VERDICT, explain: [`no unfinished pod selects ${namespace}/${name}`] }
  }
  const more = usage.total - usage.examples.length
  const list = `${usage.examples.join(', ')}${more > 0 ? ` and ${more} more` : ''}`
  const pods = usage.total === 1 ? '1 pod' : `${usage.total} pods`
  const message = `${namespace}/${name} is still selected by ${pods} (${list}): they keep their attachments, but new pods that select it will be refused until it is recreated`
  return { ...EMPTY_VERDICT, findings: [warning('nad.in-use', 'metadata.name', message)] }
}

/** On CREATE the object may lack metadata.namespace; the request carries it. */
export function withNamespace(obj: unknown, namespace: string | undefined): unknown {
  if (!isObject(obj) || !isObject(obj.metadata) || !namespace) return obj
  if (typeof obj.metadata.namespace === 'string' && obj.metadata.namespace !== '') return obj
  return { ...obj, metadata: { ...obj.metadata, namespace } }
}
