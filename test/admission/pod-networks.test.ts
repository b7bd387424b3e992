/**
 * NAD resolution and the refusals that come from the cluster state rather than from the pod:
 * a lookup that failed is said as such (issue 11 item 4), never as "does not exist", and the
 * lookups of several missing NADs run at once.
 */
import t from 'tap'
import { handleReview } from '../../src/admission/handle.js'
import { DEFAULT_ADMISSION_OPTIONS as options } from '../../src/admission/options.js'
import { resolveNads } from '../../src/admission/pod-networks.js'
import type { ClusterState } from '../../src/admission/state.js'
import { memoryState, nad } from '../fixtures/admission/state.js'
import { pod, review } from '../fixtures/admission/reviews.js'

const NETWORKS = 'k8s.v1.cni.cncf.io/networks'
const req = (namespace: string, name: string, origin = `networks[0]`) => ({
  namespace,
  name,
  origin,
})

t.test('a failed lookup is reported as what happened, a 404 as missing', async (t) => {
  const base = memoryState({ nads: [{ namespace: 'team-a', name: 'cached' }] })
  const state: ClusterState = {
    ...base,
    fetchNad: async (ns, name) => {
      if (name === 'forbidden') throw new Error('the API server answered HTTP 403: forbidden')
      if (name === 'fresh') return nad({ namespace: ns, name })
      return undefined
    },
  }
  const { nads, findings } = await resolveNads(
    [
      req('team-a', 'cached', 'networks[0]'),
      req('team-a', 'forbidden', 'networks[1]'),
      req('team-a', 'gone', 'networks[2]'),
      req('team-a', 'fresh', 'networks[3]'),
      req('team-a', 'forbidden', 'networks[4]'),
    ],
    state,
  )
  t.same([...nads.keys()].sort(), ['team-a/cached', 'team-a/fresh'])
  t.same(
    findings.map((f) => [f.rule, f.path]),
    [
      ['pod.lookup-failed', 'networks[1]'],
      ['pod.nad-missing', 'networks[2]'],
    ],
    'one finding per distinct network, at its first use',
  )
  t.match(
    findings[0]?.message,
    /^could not check NetworkAttachmentDefinition team-a\/forbidden: the API server answered HTTP 403: forbidden; the pod is refused/,
  )
  t.notMatch(findings[0]?.message, /does not exist/)
})

t.test('several missing NADs are looked up at the same time', async (t) => {
  // Each lookup answers only once all of them have started: sequential lookups would never
  // finish (the test's own timeout would end it), concurrent ones all do.
  const names = ['a', 'b', 'c', 'd']
  const started: string[] = []
  let release: () => void = () => {}
  const all = new Promise<void>((resolve) => (release = resolve))
  const state: ClusterState = {
    ...memoryState(),
    fetchNad: async (ns, name) => {
      started.push(name)
      if (started.length === names.length) release()
      await all
      return nad({ namespace: ns, name })
    },
  }
  const { nads, findings } = await resolveNads(
    names.map((n, i) => req('team-a', n, `networks[${i}]`)),
    state,
  )
  t.same(started, names)
  t.equal(nads.size, 4)
  t.same(findings, [])
})

t.test('a namespace that cannot be read refuses a pod with networks, and says why', async (t) => {
  const base = memoryState({ nads: [{ namespace: 'team-a', name: 'n' }] })
  const state: ClusterState = {
    ...base,
    fetchNamespaceLabels: async () => {
      throw new Error('the API server did not answer within 2000 ms')
    },
  }
  const body = review({
    namespace: 'team-a',
    object: pod({ namespace: 'team-a', annotations: { [NETWORKS]: 'n' } }),
  })
  for (const endpoint of ['validate', 'mutate'] as const) {
    const { outcome } = await handleReview(endpoint, body, state, options)
    t.equal(outcome.allowed, false, endpoint)
    t.same(outcome.deniedBy, ['pod.lookup-failed'])
    t.match(
      outcome.reasons[0],
      /could not read the labels of namespace team-a: the API server did not answer within 2000 ms; the access policy selects namespaces by label/,
    )
  }
  const plain = review({ namespace: 'team-a', object: pod({ namespace: 'team-a' }) })
  const { outcome } = await handleReview('validate', plain, state, options)
  t.equal(outcome.allowed, true, 'a pod without networks does not depend on it')
})

t.test('a policy that cannot decide refuses every network, with its own rule code', async (t) => {
  const { PolicySet } = await import('../../src/cluster/policy-set.js')
  const { captureLogger } = await import('../fixtures/cluster/log-capture.js')
  const set = new PolicySet({
    namespace: 'multinet-system',
    label: 'multinet.io/policy',
    logger: captureLogger().logger,
  })
  set.update([
    {
      name: '20-broken',
      namespace: 'multinet-system',
      labels: { 'multinet.io/policy': 'true' },
      data: { 'policy.yaml': 'apiVersion: multinet.io/v1alpha1\nrules: 7\n' },
      origin: '',
    },
  ])
  const state = memoryState({ policy: set.policy(), nads: [{ namespace: 'default', name: 'n' }] })
  const withNet = review({ object: pod({ annotations: { [NETWORKS]: 'n' } }) })
  for (const endpoint of ['validate', 'mutate'] as const) {
    const { outcome } = await handleReview(endpoint, withNet, state, options)
    t.equal(outcome.allowed, false, endpoint)
    t.same(outcome.deniedBy, ['policy.unavailable'])
    t.match(
      outcome.reasons[0],
      /network default\/n refused by policy-unavailable: ConfigMap multinet-system\/20-broken does not validate and no valid copy of it is known/,
    )
  }
  const { outcome } = await handleReview('validate', review({ object: pod() }), state, options)
  t.equal(outcome.allowed, true, 'a pod without networks is not held hostage')
})

t.test('the request namespace decides; an object that names another is refused', async (t) => {
  // Defence in depth: the API server refuses the mismatch first, but a decision for the
  // object's namespace could grant that namespace's networks.
  const state = memoryState({ nads: [{ namespace: 'privileged', name: 'n' }] })
  const body = review({
    namespace: 'app',
    object: pod({ namespace: 'privileged', annotations: { [NETWORKS]: 'n' } }),
  })
  const { outcome } = await handleReview('validate', body, state, options)
  t.equal(outcome.allowed, false)
  t.same(outcome.deniedBy, ['pod.shape'])
  t.match(outcome.reasons[0], /is privileged, but the request creates the pod in namespace app/)
})
