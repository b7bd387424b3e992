import t from 'tap'
import { DEFAULT_ADMISSION_OPTIONS as OPTIONS } from '../../../src/admission/options.js'
import { admit, asCreated } from '../../../src/cli/kubectl/admit.js'
import { compileConfigMaps, snapshotState } from '../../../src/cli/kubectl/live-state.js'
import { toReview } from '../../../src/cli/review-input.js'

const stored = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'web-1',
    namespace: 'app',
    uid: 'abc',
    resourceVersion: '7',
    creationTimestamp: '2026-01-01T00:00:00Z',
    labels: { app: 'web' },
    annotations: {
      'k8s.v1.cni.cncf.io/networks': 'infra/shared',
      'k8s.v1.cni.cncf.io/network-status': '[]',
    },
    ownerReferences: [{ kind: 'ReplicaSet', name: 'web', uid: 'x', apiVersion: 'apps/v1' }],
    managedFields: [{}],
  },
  spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'x' }] },
  status: { phase: 'Running' },
}

t.test('a stored pod as its CREATE carried it: no server fields, no network-status', async (t) => {
  t.same(asCreated(stored), {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-1',
      namespace: 'app',
      labels: { app: 'web' },
      annotations: { 'k8s.v1.cni.cncf.io/networks': 'infra/shared' },
      ownerReferences: stored.metadata.ownerReferences,
    },
    spec: stored.spec,
  })
  t.same(asCreated({ metadata: { generateName: 'w-' } }), {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: 'w-' },
    spec: {},
  })
})

t.test('admit: mutate, then validate the mutated pod; a refusal carries no patch', async (t) => {
  const nads = [
    {
      namespace: 'infra',
      name: 'shared',
      labels: {},
      annotations: { 'multinet.io/physical-network': 'dc' },
      cniTypes: ['bridge'],
    },
  ]
  const none = compileConfigMaps([], OPTIONS).policy
  const body = toReview(asCreated(stored), 'pod', { namespace: 'app', username: 'u', groups: [] })
  const refused = await admit(body, snapshotState(nads, new Map(), none), OPTIONS)
  t.equal(refused.review.response.allowed, false)
  t.same(refused.patch, [])
  t.match(refused.outcome.reasons[0], /refused by isolation/)
  const global = compileConfigMaps(
    [
      {
        name: 'g',
        namespace: OPTIONS.policyNamespace,
        labels: { [OPTIONS.policyLabel]: 'true' },
        data: { 'policy.yaml': 'apiVersion: multinet.io/v1alpha1\nglobalNamespaces: [infra]\n' },
        origin: '',
      },
    ],
    OPTIONS,
  ).policy
  const state = snapshotState(nads, new Map([['app', {}]]), global)
  const allowed = await admit(body, state, OPTIONS)
  t.equal(allowed.review.response.allowed, true)
  t.equal(allowed.review.response.patchType, 'JSONPatch')
  t.ok(allowed.outcome.patched)
  t.ok(allowed.patch.some((op) => op.path === '/spec/nodeSelector'))
  t.equal(state.getNad('infra', 'shared'), nads[0])
  t.equal(await state.fetchNad('infra', 'x'), undefined)
  t.equal(await state.fetchNamespaceLabels('x'), undefined)
  t.same(await state.podsUsingNad('infra', 'shared'), {
    ok: false,
    reason: 'not asked by the plugin',
  })
  t.same(state.sync(), { synced: true, problems: [] })
  // A NAD only validates: nothing to mutate, the validation's answer stands.
  const nadBody = toReview(
    {
      apiVersion: 'k8s.cni.cncf.io/v1',
      kind: 'NetworkAttachmentDefinition',
      metadata: { name: 'n' },
      spec: {},
    },
    'nad',
    { namespace: 'app', username: 'u', groups: [] },
  )
  const n = await admit(nadBody, state, OPTIONS)
  t.same(n.patch, [])
  t.equal(n.outcome.patched, false)
})
