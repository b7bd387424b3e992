import t from 'tap'
import {
  nodePodResource,
  NodePods,
  podInfoOf,
  withFieldSelector,
} from '../../src/cluster/node-pods.js'
import { ANNOTATIONS } from '../../src/spec/types.js'
import { FakeApi } from '../agent/fixtures/fake-api.js'
import { captureLogs } from '../fixtures/webhook/logs.js'

t.test('podInfoOf keeps identity and the selection annotations only', async (t) => {
  t.same(
    podInfoOf({
      metadata: {
        namespace: 'ns',
        name: 'p',
        uid: 'u',
        resourceVersion: '5',
        annotations: { [ANNOTATIONS.networks]: 'a', other: 'x', [ANNOTATIONS.defaultNetwork]: 'b' },
      },
    }),
    {
      namespace: 'ns',
      name: 'p',
      uid: 'u',
      resourceVersion: '5',
      annotations: { [ANNOTATIONS.networks]: 'a', [ANNOTATIONS.defaultNetwork]: 'b' },
    },
  )
  t.equal(podInfoOf({ metadata: { name: 'p', namespace: 'ns' } }), undefined)
  const spec = nodePodResource(async () => ({ items: [], resourceVersion: '1' }))
  t.equal(spec.keyOf({ metadata: { name: 'p', namespace: 'ns' } }), 'ns/p')
  t.equal(spec.keyOf({ metadata: { name: 'p' } }), undefined)
  t.throws(
    () => spec.convert({ metadata: { name: 'p', namespace: 'ns' } }, 'ns/p'),
    /without namespace, name or uid/,
  )
  const seen: unknown[] = []
  const w = withFieldSelector(
    { watch: async (_p, query) => (seen.push(query), { abort: () => undefined }) },
    'spec.nodeName=n',
  )
  await w.watch(
    '/x',
    { a: 1 },
    () => undefined,
    () => undefined,
  )
  t.same(seen, [{ a: 1, fieldSelector: 'spec.nodeName=n' }])
})

t.test("lists and watches only this node's pods; lookups wait, then GET", async (t) => {
  const api = new FakeApi('n1')
  await api.start()
  api.addPod({ namespace: 'ns', name: 'mine', uid: 'u1', node: 'n1' })
  api.addPod({ namespace: 'ns', name: 'theirs', uid: 'u2', node: 'n2' })
  const pods = new NodePods({
    kubeConfig: api.kubeConfig(),
    nodeName: 'n1',
    logger: captureLogs().logger,
    waitMs: 30_000,
    apiTimeoutMs: 5000,
  })
  t.teardown(async () => {
    pods.stop()
    await api.stop()
  })
  t.equal(pods.isSynced(), false)
  t.match(pods.problem(), /initial list not complete/)
  pods.start()
  while (!pods.isSynced()) await new Promise((r) => setTimeout(r, 10))
  t.equal(pods.problem(), undefined)
  t.match(pods.health(), { synced: true, size: 1 })
  t.ok(pods.cachedPod('ns', 'mine'))
  t.equal(pods.cachedPod('ns', 'theirs'), undefined, 'another node: never cached')
  const list = api.requests.find((r) => r.method === 'GET' && r.path === '/api/v1/pods')
  t.ok(list)

  t.equal((await pods.getPod('ns', 'mine', 'u1'))?.uid, 'u1')
  t.equal((await pods.getPod('ns', 'mine', undefined))?.uid, 'u1')
  // A cached pod with another UID: straight to the API, which has the truth.
  t.equal((await pods.getPod('ns', 'mine', 'other'))?.uid, 'u1')
  // Not cached yet: a pod that arrives through the watch ends the wait.
  const waiting = pods.getPod('ns', 'late', 'u9')
  api.addPod({ namespace: 'ns', name: 'late', uid: 'u9', node: 'n1' })
  t.equal((await waiting)?.uid, 'u9')
  const quick = new NodePods({
    kubeConfig: api.kubeConfig(),
    nodeName: 'n1',
    logger: captureLogs().logger,
    waitMs: 0,
    apiTimeoutMs: 5000,
  })
  t.equal((await quick.getPod('ns', 'theirs', undefined))?.uid, 'u2', 'direct GET')
  t.equal(await quick.getPod('ns', 'none', undefined), undefined)
  api.down = true
  await t.rejects(quick.getPod('ns', 'none', undefined), { message: /^HTTP 503: fake API is down/ })
  quick.stop()
})
