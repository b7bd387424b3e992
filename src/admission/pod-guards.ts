import { error, type Finding } from '../spec/finding.js'
import { parseNetworkStatus } from '../spec/network-status.js'
import { ANNOTATIONS } from '../spec/types.js'
import { callerNode, isAgent } from './identity.js'
import { field, metadataOf, stringField } from '../spec/object.js'
import type { AdmissionOptions } from './options.js'
import type { AdmissionRequest } from './review.js'

/**
 * `k8s.v1.cni.cncf.io/network-status` is what the agent reports; other components (Multus-style
 * consumers, service meshes, users) trust it. Only the agent's identities may add, change or
 * remove it, on create, update and the pods/status subresource, and only for pods on the agent's
 * own node when its token names a node, so a compromised node cannot rewrite pods elsewhere.
 * Removal counts: deleting the status would hide the attachments from whoever trusts it, and a
 * later forged value would then be an "add" that looks like a first report.
 */
export function networkStatusGuard(req: AdmissionRequest, options: AdmissionOptions): Finding[] {
  const key = ANNOTATIONS.networkStatus
  const next = metadataOf(req.object).annotations[key]
  const prev = req.operation === 'CREATE' ? undefined : metadataOf(req.oldObject).annotations[key]
  if (next === prev) return []
  const path = `metadata.annotations["${key}"]`
  const user = req.userInfo
  if (!isAgent(user, options.agent)) {
    const verb = next === undefined ? 'remove' : 'write'
    return [
      error(
        'pod.network-status-forged',
        path,
        `only the Multinet agent may ${verb} this annotation; ${user.username ?? 'this user'} may not (it is what the node reports about attachments)`,
      ),
    ]
  }
  const findings: Finding[] = []
  const node = callerNode(user)
  const podNode = stringField(field(req.object, 'spec'), 'nodeName') ?? ''
  if (options.agent.requireSameNode && node !== undefined && node !== podNode) {
    findings.push(
      error(
        'pod.network-status-forged',
        path,
        `the agent of node ${node} may only write the status of pods on that node; this pod is on ${podNode === '' ? 'no node' : `node ${podNode}`}`,
      ),
    )
  }
  if (next === undefined) return findings
  const parsed = parseNetworkStatus(next)
  findings.push(
    ...parsed.findings.map((f) => ({ ...f, path: `${path}${f.path ? `: ${f.path}` : ''}` })),
  )
  return findings
}

/**
 * A running pod's attachments are fixed at sandbox creation; a changed selection would have no
 * effect and would mislead whoever reads the pod, so the selection annotations are immutable,
 * through every subresource: pods/status can write metadata too (its update strategy keeps the
 * old spec, not the old annotations), so it would otherwise be a way around this guard.
 */
export function immutableNetworksGuard(req: AdmissionRequest): Finding[] {
  if (req.operation !== 'UPDATE') return []
  const before = metadataOf(req.oldObject).annotations
  const after = metadataOf(req.object).annotations
  const findings: Finding[] = []
  for (const key of [ANNOTATIONS.networks, ANNOTATIONS.defaultNetwork]) {
    if (before[key] !== after[key]) {
      findings.push(
        error(
          'pod.networks-immutable',
          `metadata.annotations["${key}"]`,
          'cannot change after the pod is created (attachments are made once, when the pod sandbox starts); delete and recreate the pod instead',
        ),
      )
    }
  }
  return findings
}

/**
 * `pods/binding` (what the scheduler creates to place a pod) copies the Binding's
 * metadata.annotations onto the pod: a way to write the network annotations that neither a pod
 * CREATE nor an UPDATE review sees. No binder has a reason to carry them, so a Binding that does
 * is refused: the selection is fixed at creation, and network-status comes from the agent
 * through the pod or pods/status, where its guard applies.
 */
export function bindingGuard(req: AdmissionRequest): Finding[] {
  const annotations = metadataOf(req.object).annotations
  const findings: Finding[] = []
  for (const key of [ANNOTATIONS.networks, ANNOTATIONS.defaultNetwork, ANNOTATIONS.networkStatus]) {
    if (annotations[key] === undefined) continue
    findings.push(
      error(
        key === ANNOTATIONS.networkStatus ? 'pod.network-status-forged' : 'pod.networks-immutable',
        `metadata.annotations["${key}"]`,
        `a pods/binding may not carry this annotation (the API server would copy it onto the pod, past the checks of pod create and update); bind without it`,
      ),
    )
  }
  return findings
}
