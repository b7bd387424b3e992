import t from 'tap'
import { handleReview } from '../../src/admission/handle.js'
import { DEFAULT_ADMISSION_OPTIONS as options } from '../../src/admission/options.js'
import { memoryState } from '../fixtures/admission/state.js'
import { applyPatch } from '../../src/admission/apply-patch.js'
import type { PatchOp } from '../../src/admission/review.js'
import { decodePatch, nadReview, pod, review } from '../fixtures/admission/reviews.js'

const NETWORKS = 'k8s.v1.cni.cncf.io/networks'
const state = memoryState({
  nads: [
    { namespace: 'default', name: 'bridge-net' },
    {
      namespace: 'telco',
      name: 'sriov',
      annotations: { 'k8s.v1.cni.cncf.io/resourceName': 'intel.com/sriov' },
    },
    { namespace: 'telco', name: 'ctl' },
  ],
  namespaces: { default: {}, telco: { plane: 'nfv' } },
})

t.test('the response answers the same uid', async (t) => {
  const { review: r, outcome } = await handleReview(
    'validate',
    review({ uid: 'abc', object: pod() }),
    state,
    options,
  )
  t.equal(r.response.uid, 'abc')
  t.equal(outcome.uid, 'abc')
  t.equal(r.apiVersion, 'admission.k8s.io/v1')
  t.equal(r.kind, 'AdmissionReview')
})

t.test('a pod without networks is allowed at once, no patch, no lookups', async (t) => {
  const s = memoryState({ namespaces: { default: {} } })
  for (const ep of ['validate', 'mutate'] as const) {
    const { review: r, outcome } = await handleReview(ep, review({ object: pod() }), s, options)
    t.equal(r.response.allowed, true)
    t.equal(r.response.patch, undefined)
    t.equal(outcome.patched, false)
  }
  t.same(s.fetches, [])
})

t.test('a valid selection in the own namespace is allowed', async (t) => {
  const body = review({
    namespace: 'telco',
    object: pod({ namespace: 'telco', annotations: { [NETWORKS]: 'ctl@net1' } }),
  })
  const { review: r, outcome } = await handleReview('validate', body, state, options)
  t.equal(r.response.allowed, true, JSON.stringify(r.response.status))
  t.match(outcome.explain.join('\n'), /telco\/ctl/)
})

t.test('a reference to a global namespace is allowed from anywhere', async (t) => {
  const body = review({
    namespace: 'telco',
    object: pod({ namespace: 'telco', annotations: { [NETWORKS]: 'default/bridge-net' } }),
  })
  const { review: r } = await handleReview('validate', body, state, options)
  t.equal(r.response.allowed, true, JSON.stringify(r.response.status))
})

t.test('a cross-namespace reference is denied by isolation, with no policy at all', async (t) => {
  const body = review({ object: pod({ annotations: { [NETWORKS]: 'telco/ctl' } }) })
  const { review: r, outcome } = await handleReview('validate', body, state, options)
  t.equal(r.response.allowed, false)
  t.equal(r.response.status?.code, 403)
  t.same(outcome.deniedBy, ['policy.isolation'])
  t.match(r.response.status?.message, /telco\/ctl/)
  t.match(r.response.status?.message, /isolation/)
})

t.test('an invalid annotation lists every problem and skips lookups', async (t) => {
  const s = memoryState({ namespaces: { default: {} } })
  const value = JSON.stringify([
    { name: 'a', ips: ['300.1.1.1'] },
    { name: 'b', mac: 'zz' },
  ])
  const { review: r, outcome } = await handleReview(
    'validate',
    review({ object: pod({ annotations: { [NETWORKS]: value } }) }),
    s,
    options,
  )
  t.equal(r.response.allowed, false)
  t.equal(r.response.status?.code, 422)
  t.ok(outcome.deniedBy.includes('selection.ips'))
  t.ok(outcome.deniedBy.includes('selection.mac'))
  t.match(r.response.status?.message, /2 problems/)
  t.same(s.fetches, [])
})

t.test('a missing NAD is looked up once at the source, then denied', async (t) => {
  const s = memoryState({ namespaces: { default: {} } })
  const { review: r, outcome } = await handleReview(
    'validate',
    review({ object: pod({ annotations: { [NETWORKS]: 'nope,nope' } }) }),
    s,
    options,
  )
  t.equal(r.response.allowed, false)
  t.same(outcome.deniedBy, ['pod.nad-missing'])
  t.same(s.fetches, ['default/nope'], 'one lookup for a NAD selected twice')
  t.match(r.response.status?.message, /default\/nope does not exist/)
})

t.test('a NAD created a moment ago is found by the direct lookup', async (t) => {
  const s = memoryState({
    namespaces: { default: {} },
    fresh: [{ namespace: 'default', name: 'just-made' }],
  })
  const { review: r } = await handleReview(
    'validate',
    review({ object: pod({ annotations: { [NETWORKS]: 'just-made' } }) }),
    s,
    options,
  )
  t.equal(r.response.allowed, true)
  t.same(s.fetches, ['default/just-made'])
})

t.test('the namespace comes from the request when the pod has none (NRI #26)', async (t) => {
  const object = pod({ annotations: { [NETWORKS]: 'ctl' } })
  delete (object.metadata as Record<string, unknown>).namespace
  const { review: r } = await handleReview(
    'validate',
    review({ namespace: 'telco', object }),
    state,
    options,
  )
  t.equal(r.response.allowed, true, JSON.stringify(r.response.status))
})

t.test('mutate: resources injected for a NAD with resourceName', async (t) => {
  const body = review({
    namespace: 'telco',
    object: pod({ namespace: 'telco', annotations: { [NETWORKS]: 'sriov,sriov' } }),
  }) as { request: { object: unknown } }
  const { review: r, outcome } = await handleReview('mutate', body, state, options)
  t.equal(r.response.allowed, true, JSON.stringify(r.response.status))
  t.equal(r.response.patchType, 'JSONPatch')
  t.ok(outcome.patched)
  const patched = applyPatch(body.request.object, decodePatch(r.response.patch) as PatchOp[]) as {
    spec: {
      containers: {
        resources: { requests: Record<string, string>; limits: Record<string, string> }
      }[]
    }
  }
  const resources = patched.spec.containers[0]!.resources
  t.equal(resources.requests['intel.com/sriov'], '2', 'one unit per selection, duplicates included')
  t.equal(resources.limits['intel.com/sriov'], '2', 'limits equal requests')
  t.match(outcome.explain.join('\n'), /intel\.com\/sriov: 2/)
})

t.test('mutate refuses early what validation would refuse, without a patch', async (t) => {
  const body = review({ object: pod({ annotations: { [NETWORKS]: 'telco/sriov' } }) })
  const { review: r } = await handleReview('mutate', body, state, options)
  t.equal(r.response.allowed, false)
  t.equal(r.response.patch, undefined)
})

t.test('mutate and validate ignore other resources and operations', async (t) => {
  const { review: r1 } = await handleReview('mutate', nadReview({ bad: true }), state, options)
  t.equal(r1.response.allowed, true)
  const { review: r2 } = await handleReview(
    'validate',
    review({ resource: 'services', kind: 'Service', object: {} }),
    state,
    options,
  )
  t.equal(r2.response.allowed, true)
  const { review: r3 } = await handleReview(
    'validate',
    review({ operation: 'DELETE', oldObject: pod() }),
    state,
    options,
  )
  t.equal(r3.response.allowed, true)
  const { review: r4 } = await handleReview(
    'validate',
    review({ operation: 'CONNECT', subResource: 'exec', object: {} }),
    state,
    options,
  )
  t.equal(r4.response.allowed, true)
  const { review: r5 } = await handleReview(
    'mutate',
    review({ operation: 'UPDATE', object: pod(), oldObject: pod() }),
    state,
    options,
  )
  t.equal(r5.response.allowed, true)
})

t.test('NAD: a valid NAD is allowed, an invalid one denied with paths', async (t) => {
  const good = {
    apiVersion: 'k8s.cni.cncf.io/v1',
    kind: 'NetworkAttachmentDefinition',
    metadata: { name: 'n1' },
    spec: { config: JSON.stringify({ cniVersion: '1.0.0', type: 'bridge' }) },
  }
  const { review: ok } = await handleReview('validate', nadReview(good), state, options)
  t.equal(ok.response.allowed, true, JSON.stringify(ok.response.status))
  const bad = { ...good, spec: { config: JSON.stringify({ plugins: [{ type: 'bridge' }, {}] }) } }
  const { review: no, outcome } = await handleReview(
    'validate',
    nadReview(bad, 'UPDATE'),
    state,
    options,
  )
  t.equal(no.response.allowed, false)
  t.match(no.response.status?.message, /plugins\[1\]/)
  t.ok(outcome.deniedBy.length > 0)
  const { review: del } = await handleReview(
    'validate',
    nadReview(undefined, 'DELETE'),
    state,
    options,
  )
  t.equal(del.response.allowed, true)
})

t.test('ConfigMaps without the policy label pass untouched', async (t) => {
  const cm = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'x', namespace: 'multinet-system' },
    data: { 'policy.yaml': ':::' },
  }
  const { review: r } = await handleReview(
    'validate',
    review({ resource: 'configmaps', kind: 'ConfigMap', object: cm }),
    state,
    options,
  )
  t.equal(r.response.allowed, true)
  t.equal(r.response.warnings, undefined)
})

t.test('a labelled policy ConfigMap that does not validate is refused with its path', async (t) => {
  const cm = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'policy',
      namespace: 'multinet-system',
      labels: { 'multinet.io/policy': 'true' },
    },
    data: { 'policy.yaml': 'apiVersion: multinet.io/v1alpha1\nrules: 7\n' },
  }
  const body = review({
    namespace: 'multinet-system',
    resource: 'configmaps',
    kind: 'ConfigMap',
    object: cm,
  })
  const { review: r, outcome } = await handleReview('validate', body, state, options)
  t.equal(r.response.allowed, false)
  t.ok(outcome.deniedBy.includes('policy.invalid'))
  t.match(r.response.status?.message, /rules/)
})

t.test('a malformed envelope throws the catalogue error', async (t) => {
  await t.rejects(handleReview('validate', { kind: 'AdmissionReview' }, state, options), {
    code: 'MN_ERR_REVIEW_VERSION',
  })
})

t.test('a policy ConfigMap may not reuse a rule name another one defines', async (t) => {
  const { compilePolicy } = await import('../../src/policy/compile.js')
  const { parsePolicyConfigMap } = await import('../../src/policy/parse.js')
  const cm = (name: string, rule: string) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'multinet-system', labels: { 'multinet.io/policy': 'true' } },
    data: {
      'policy.yaml': `apiVersion: multinet.io/v1alpha1\nrules:\n  - name: ${rule}\n    action: deny\n    networks: {names: ["x/*"]}\n    from: {namespaces: {names: ["*"]}}\n`,
    },
  })
  const first = parsePolicyConfigMap(cm('10-a', 'shared-name'), {
    namespace: 'multinet-system',
    label: 'multinet.io/policy',
  })
  const s = memoryState({ policy: compilePolicy([{ name: '10-a', document: first.document! }]) })
  const reviewOf = (object: unknown) =>
    review({
      namespace: 'multinet-system',
      resource: 'configmaps',
      kind: 'ConfigMap',
      object,
      operation: 'UPDATE',
    })
  const clash = await handleReview('validate', reviewOf(cm('20-b', 'shared-name')), s, options)
  t.equal(clash.review.response.allowed, false)
  t.match(clash.review.response.status?.message, /10-a/)
  const same = await handleReview('validate', reviewOf(cm('10-a', 'shared-name')), s, options)
  t.equal(same.review.response.allowed, true, 'editing the ConfigMap that defines it is fine')
  const other = await handleReview('validate', reviewOf(cm('20-b', 'other-name')), s, options)
  t.equal(other.review.response.allowed, true)
})

t.test('a namespace missing from memory is looked up before its labels decide', async (t) => {
  const { compilePolicy } = await import('../../src/policy/compile.js')
  const { parsePolicyConfigMap } = await import('../../src/policy/parse.js')
  const cm = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: '10-deny',
      namespace: 'multinet-system',
      labels: { 'multinet.io/policy': 'true' },
    },
    data: {
      'policy.yaml':
        'apiVersion: multinet.io/v1alpha1\nrules:\n  - name: no-quarantined\n    action: deny\n    networks: {names: ["*/*"]}\n    from: {namespaces: {selector: {matchLabels: {quarantine: "yes"}}}}\n',
    },
  }
  const parsed = parsePolicyConfigMap(cm, {
    namespace: 'multinet-system',
    label: 'multinet.io/policy',
  })
  const policy = compilePolicy([{ name: '10-deny', document: parsed.document! }])
  const body = review({
    namespace: 'fresh',
    object: pod({ namespace: 'fresh', annotations: { [NETWORKS]: 'n' } }),
  })
  const fresh = memoryState({
    policy,
    nads: [{ namespace: 'fresh', name: 'n' }],
    freshNamespaces: { fresh: { quarantine: 'yes' } },
  })
  const denied = await handleReview('validate', body, fresh, options)
  t.same(denied.outcome.deniedBy, ['policy.denied'], 'the deny rule saw the fetched labels')
  t.ok(fresh.fetches.includes('namespace fresh'))
  const unknown = memoryState({ policy, nads: [{ namespace: 'fresh', name: 'n' }] })
  const allowed = await handleReview('validate', body, unknown, options)
  t.equal(allowed.outcome.allowed, true)
  t.match(allowed.outcome.warnings.join(), /pod\.namespace-unknown/)
})
