import { error, errorsOf, warning } from '../spec/finding.js'
import { messageOf } from '../errors.js'
import { mutatePod } from '../mutation/mutate-pod.js'
import { field, metadataOf, stringField } from '../spec/object.js'
import type { AdmissionOptions } from './options.js'
import { bindingGuard, immutableNetworksGuard, networkStatusGuard } from './pod-guards.js'
import { applyDecisions, readPodNetworks, resolveNads, subjectOf } from './pod-networks.js'
import type { AdmissionRequest } from './review.js'
import { EMPTY_VERDICT, type Verdict } from './respond.js'
import { ANNOTATIONS, networkKey } from '../spec/types.js'
import type { ClusterState } from './state.js'

export type Endpoint = 'validate' | 'mutate'

/**
 * Pods. CREATE: guards, selections, NAD existence, access policy, then (mutate) the scheduling
 * patch. The mutating endpoint repeats the validation so that it never patches a pod that will
 * be refused, and refuses it early with the same message. UPDATE (any subresource) and
 * pods/binding CREATE: guards only.
 */
export async function reviewPod(
  endpoint: Endpoint,
  req: AdmissionRequest,
  state: ClusterState,
  options: AdmissionOptions,
): Promise<Verdict> {
  if (req.operation === 'UPDATE') {
    // The mutating side has nothing to do on update; guards belong to validation.
    if (endpoint === 'mutate') return EMPTY_VERDICT
    // Both guards hold for the main resource and every subresource that reaches us
    // (pods/status writes annotations too).
    const findings = [...networkStatusGuard(req, options), ...immutableNetworksGuard(req)]
    return { ...EMPTY_VERDICT, findings }
  }
  if (req.operation === 'CREATE' && req.subResource === 'binding') {
    return endpoint === 'validate'
      ? { ...EMPTY_VERDICT, findings: bindingGuard(req) }
      : EMPTY_VERDICT
  }
  if (req.operation !== 'CREATE' || req.subResource) return EMPTY_VERDICT
  return reviewPodCreate(endpoint, req, state, options)
}

async function reviewPodCreate(
  endpoint: Endpoint,
  req: AdmissionRequest,
  state: ClusterState,
  options: AdmissionOptions,
): Promise<Verdict> {
  const pod = req.object
  const meta = metadataOf(pod)
  // Pods created by controllers may carry no namespace in the object (NRI #26): the request has
  // it, and it is what the API server authorized, so it wins. The API server refuses a mismatch
  // before admission; should one arrive anyway, deciding for the object's namespace could grant
  // another namespace's networks.
  const namespace = req.namespace || meta.namespace || 'default'
  if (req.namespace && meta.namespace && meta.namespace !== req.namespace) {
    return {
      ...EMPTY_VERDICT,
      findings: [
        error(
          'pod.shape',
          'metadata.namespace',
          `is ${meta.namespace}, but the request creates the pod in namespace ${req.namespace}`,
        ),
      ],
    }
  }
  const spec = field(pod, 'spec')
  // A namespace created a moment ago may not have reached the cache: its labels decide
  // tenants and namespace-selector rules, so look it up rather than decide without them.
  let labels = state.namespaceLabels(namespace)
  let namespaceFailure: string | undefined
  if (labels === undefined) {
    try {
      labels = await state.fetchNamespaceLabels(namespace)
    } catch (err) {
      namespaceFailure = messageOf(err)
    }
  }
  const subject = subjectOf(namespace, labels, meta.labels, stringField(spec, 'serviceAccountName'))
  const policy = state.policy()
  const tenant = policy.tenantFor(subject)
  const nets = readPodNetworks(meta.annotations, namespace, tenant)
  const findings = [...(endpoint === 'validate' ? networkStatusGuard(req, options) : [])]
  findings.push(...nets.findings)
  if (namespaceFailure !== undefined && nets.requested.length > 0) {
    // Deciding with the name alone could let a deny rule or a locked tenant that selects
    // namespaces by label miss: refuse, and say that it is a lookup problem, not the pod's.
    findings.push(
      error(
        'pod.lookup-failed',
        'metadata.namespace',
        `could not read the labels of namespace ${namespace}: ${namespaceFailure}; the access policy selects namespaces by label, so the pod's networks cannot be decided (retry; if it persists, an admin should check the webhook's access to the API server)`,
      ),
    )
    return { ...EMPTY_VERDICT, findings }
  }
  if (labels === undefined && nets.requested.length > 0) {
    findings.push(
      warning(
        'pod.namespace-unknown',
        'metadata.namespace',
        `the labels of namespace ${namespace} are not known; rules that select namespaces by label were decided with only kubernetes.io/metadata.name`,
      ),
    )
  }
  // Nothing requested and nothing injected: the common case for most pods, answered at once.
  if (nets.requested.length === 0) return { ...EMPTY_VERDICT, findings }
  if (errorsOf(nets.findings).length > 0) return { ...EMPTY_VERDICT, findings }

  const resolved = await resolveNads(nets.requested, state)
  findings.push(...resolved.findings)
  const refs = nets.requested.map((r) => {
    const nad = resolved.nads.get(networkKey(r))
    // Policy network selectors see the NAD's labels and its physical network.
    const physical = nad?.annotations[ANNOTATIONS.physicalNetwork]
    return {
      namespace: r.namespace,
      name: r.name,
      labels: nad?.labels ?? {},
      ...(physical === undefined ? {} : { physicalNetwork: physical }),
    }
  })
  const decided = applyDecisions(nets.requested, policy.decide(subject, refs))
  // Warnings of the policy are shown once, by the validating endpoint.
  findings.push(
    ...decided.findings.filter((f) => endpoint === 'validate' || f.severity === 'error'),
  )
  const explain = [...decided.explain]
  if (endpoint === 'validate' || errorsOf(findings).length > 0) {
    return { findings, audits: decided.audits, patch: [], explain }
  }
  const mutation = mutatePod({
    pod,
    selections: nets.selections,
    ...(nets.defaultNetwork ? { defaultNetwork: nets.defaultNetwork } : {}),
    tenantNetworks: nets.tenantAdded,
    nad: (ns, name) => resolved.nads.get(`${ns}/${name}`),
    options: options.mutation,
  })
  findings.push(...mutation.findings)
  explain.push(...mutation.summary)
  const patch = errorsOf(mutation.findings).length > 0 ? [] : mutation.patch
  return { findings, audits: [], patch, explain }
}
