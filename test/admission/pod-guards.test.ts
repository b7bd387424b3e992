import t from 'tap'
import { handleReview } from '../../src/admission/handle.js'
import { DEFAULT_ADMISSION_OPTIONS as options } from '../../src/admission/options.js'
import { memoryState } from '../fixtures/admission/state.js'
import { pod, review } from '../fixtures/admission/reviews.js'

const STATUS = 'k8s.v1.cni.cncf.io/network-status'
const NETWORKS = 'k8s.v1.cni.cncf.io/networks'
const AGENT = 'system:serviceaccount:multinet-system:multinet-agent'
const status = JSON.stringify([
  { name: 'default/bridge-net', interface: 'net1', ips: ['192.0.2.5'], default: false },
])
const state = memoryState({ nads: [{ namespace: 'default', name: 'bridge-net' }] })
const onNode = (annotations: Record<string, string>, nodeName = 'node-a') =>
  pod({ annotations, spec: { nodeName, containers: [{ name: 'c', image: 'i' }] } })

async function decide(body: Record<string, unknown>) {
  return (await handleReview('validate', body, state, options)).outcome
}

t.test('a user cannot pre-forge network-status on create', async (t) => {
  const o = await decide(
    review({ object: pod({ annotations: { [NETWORKS]: 'bridge-net', [STATUS]: status } }) }),
  )
  t.equal(o.allowed, false)
  t.same(o.deniedBy, ['pod.network-status-forged'])
})

t.test('a user cannot change network-status on update or through pods/status', async (t) => {
  for (const subResource of [undefined, 'status']) {
    const o = await decide(
      review({
        operation: 'UPDATE',
        ...(subResource ? { subResource } : {}),
        oldObject: onNode({}),
        object: onNode({ [STATUS]: status }),
      }),
    )
    t.equal(o.allowed, false, `subresource ${subResource}`)
    t.same(o.deniedBy, ['pod.network-status-forged'])
  }
})

t.test('an unchanged network-status passes for anyone', async (t) => {
  const o = await decide(
    review({
      operation: 'UPDATE',
      oldObject: onNode({ [STATUS]: status }),
      object: onNode({ [STATUS]: status }),
    }),
  )
  t.equal(o.allowed, true)
})

t.test('the agent may write network-status for pods on its node', async (t) => {
  const o = await decide(
    review({
      operation: 'UPDATE',
      subResource: 'status',
      username: AGENT,
      extra: { 'authentication.kubernetes.io/node-name': ['node-a'] },
      oldObject: onNode({}),
      object: onNode({ [STATUS]: status }),
    }),
  )
  t.equal(o.allowed, true, o.reasons.join())
})

t.test('the agent of another node may not (least privilege across nodes)', async (t) => {
  const o = await decide(
    review({
      operation: 'UPDATE',
      subResource: 'status',
      username: AGENT,
      extra: { 'authentication.kubernetes.io/node-name': ['node-b'] },
      oldObject: onNode({}),
      object: onNode({ [STATUS]: status }),
    }),
  )
  t.equal(o.allowed, false)
  t.match(o.reasons.join(), /node node-b may only write the status of pods on that node/)
})

t.test('without requireSameNode any agent token may write', async (t) => {
  const relaxed = { ...options, agent: { ...options.agent, requireSameNode: false } }
  const { outcome } = await handleReview(
    'validate',
    review({
      operation: 'UPDATE',
      username: AGENT,
      extra: { 'authentication.kubernetes.io/node-name': ['node-b'] },
      oldObject: onNode({}),
      object: onNode({ [STATUS]: status }),
    }),
    state,
    relaxed,
  )
  t.equal(outcome.allowed, true)
})

t.test('even the agent must write a well-formed network-status', async (t) => {
  const o = await decide(
    review({
      operation: 'UPDATE',
      username: AGENT,
      oldObject: onNode({}),
      object: onNode({ [STATUS]: '{"not":"a list"}' }),
    }),
  )
  t.equal(o.allowed, false)
  t.ok(o.deniedBy.includes('status.syntax'))
})

t.test('the networks annotations are immutable after creation', async (t) => {
  const o = await decide(
    review({
      operation: 'UPDATE',
      oldObject: pod({ annotations: { [NETWORKS]: 'a' } }),
      object: pod({ annotations: { [NETWORKS]: 'b' } }),
    }),
  )
  t.equal(o.allowed, false)
  t.same(o.deniedBy, ['pod.networks-immutable'])
  const o2 = await decide(
    review({
      operation: 'UPDATE',
      oldObject: pod({ annotations: {} }),
      object: pod({ annotations: { 'v1.multus-cni.io/default-network': 'x' } }),
    }),
  )
  t.same(o2.deniedBy, ['pod.networks-immutable'])
  const same = await decide(
    review({
      operation: 'UPDATE',
      oldObject: pod({ annotations: { [NETWORKS]: 'a' } }),
      object: pod({ annotations: { [NETWORKS]: 'a', other: 'x' } }),
    }),
  )
  t.equal(same.allowed, true)
})

t.test('pods/status cannot change the networks annotations either (issue 11 item 3)', async (t) => {
  for (const [key, before, after] of [
    [NETWORKS, 'a', 'b'],
    [NETWORKS, 'a', undefined],
    ['v1.multus-cni.io/default-network', undefined, 'x'],
  ] as const) {
    const o = await decide(
      review({
        operation: 'UPDATE',
        subResource: 'status',
        oldObject: pod({ annotations: before === undefined ? {} : { [key]: before } }),
        object: pod({ annotations: after === undefined ? {} : { [key]: after } }),
      }),
    )
    t.equal(o.allowed, false, `${key}: ${before} -> ${after}`)
    t.same(o.deniedBy, ['pod.networks-immutable'])
  }
  const untouched = await decide(
    review({
      operation: 'UPDATE',
      subResource: 'status',
      oldObject: pod({ annotations: { [NETWORKS]: 'a' } }),
      object: pod({ annotations: { [NETWORKS]: 'a', other: 'x' } }),
    }),
  )
  t.equal(untouched.allowed, true, 'other annotations stay writable through pods/status')
})

t.test('only the agent may remove network-status (issue 11 item 2)', async (t) => {
  for (const subResource of [undefined, 'status']) {
    const o = await decide(
      review({
        operation: 'UPDATE',
        ...(subResource ? { subResource } : {}),
        oldObject: onNode({ [STATUS]: status }),
        object: onNode({}),
      }),
    )
    t.equal(o.allowed, false, `subresource ${subResource}`)
    t.same(o.deniedBy, ['pod.network-status-forged'])
    t.match(o.reasons.join(), /only the Multinet agent may remove this annotation; alice may not/)
  }
  const agent = await decide(
    review({
      operation: 'UPDATE',
      subResource: 'status',
      username: AGENT,
      extra: { 'authentication.kubernetes.io/node-name': ['node-a'] },
      oldObject: onNode({ [STATUS]: status }),
      object: onNode({}),
    }),
  )
  t.equal(agent.allowed, true, agent.reasons.join())
  const elsewhere = await decide(
    review({
      operation: 'UPDATE',
      subResource: 'status',
      username: AGENT,
      extra: { 'authentication.kubernetes.io/node-name': ['node-b'] },
      oldObject: onNode({ [STATUS]: status }),
      object: onNode({}),
    }),
  )
  t.equal(elsewhere.allowed, false, 'the agent of another node may not remove it either')
  t.match(elsewhere.reasons.join(), /node node-b may only write the status of pods on that node/)
})

t.test('a pods/binding may not carry the network annotations (it would copy them)', async (t) => {
  const binding = (annotations: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name: 'app', namespace: 'default', annotations },
    target: { kind: 'Node', name: 'node-a' },
  })
  const bind = (
    annotations: Record<string, string>,
    endpoint: 'validate' | 'mutate' = 'validate',
  ) =>
    handleReview(
      endpoint,
      review({ subResource: 'binding', kind: 'Binding', object: binding(annotations) }),
      state,
      options,
    ).then((r) => r.outcome)
  const forged = await bind({
    [STATUS]: status,
    [NETWORKS]: 'x',
    'v1.multus-cni.io/default-network': 'y',
  })
  t.equal(forged.allowed, false)
  t.same(forged.deniedBy, [
    'pod.networks-immutable',
    'pod.networks-immutable',
    'pod.network-status-forged',
  ])
  t.match(forged.reasons[0], /a pods\/binding may not carry this annotation/)
  t.equal((await bind({ 'example.com/x': 'y' })).allowed, true, 'other annotations: the scheduler')
  t.equal((await bind({})).allowed, true)
  t.equal((await bind({ [STATUS]: status }, 'mutate')).allowed, true, 'validation decides')
})
