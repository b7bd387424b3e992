import t from 'tap'
import { PodStatusWriter, statusPatch } from '../../src/cluster/pod-status-writer.js'
import { ANNOTATIONS } from '../../src/spec/types.js'
import { FakeApi } from '../agent/fixtures/fake-api.js'
import { captureLogs } from '../fixtures/webhook/logs.js'

const entries = [{ name: 'cluster', interface: 'eth0', ips: ['10.0.0.2'], default: true }]

t.test(
  'the patch names only the annotation, the uid and (when known) the resourceVersion',
  async (t) => {
    const pod = { namespace: 'ns', name: 'p', uid: 'u', resourceVersion: '7', annotations: {} }
    t.same(statusPatch(pod, '7', 'v'), {
      metadata: {
        uid: 'u',
        annotations: { [ANNOTATIONS.networkStatus]: 'v' },
        resourceVersion: '7',
      },
    })
    t.same(statusPatch(pod, '', 'v'), {
      metadata: { uid: 'u', annotations: { [ANNOTATIONS.networkStatus]: 'v' } },
    })
  },
)

t.test(
  'writes through pods/status; conflicts retried on a fresh read; gone pods and recreations',
  async (t) => {
    const api = new FakeApi('n')
    await api.start()
    t.teardown(() => api.stop())
    const obj = api.addPod({
      namespace: 'ns',
      name: 'p',
      uid: 'u1',
      node: 'n',
      annotations: { keep: 'me' },
    })
    const writer = new PodStatusWriter({
      kubeConfig: api.kubeConfig(),
      timeoutMs: 30_000,
      logger: captureLogs().logger,
      attempts: 3,
    })
    const pod = { namespace: 'ns', name: 'p', uid: 'u1', resourceVersion: '1', annotations: {} }
    t.equal(
      await writer.write(pod, entries),
      true,
      'a stale resourceVersion is a conflict, then retried',
    )
    t.same(JSON.parse(obj.metadata.annotations[ANNOTATIONS.networkStatus]), entries)
    t.equal(obj.metadata.annotations.keep, 'me', 'other annotations untouched')
    t.same(
      api.requests
        .filter((r) => r.method !== 'GET' || r.path.endsWith('/p'))
        .map((r) => `${r.method} ${r.path}`),
      [
        'PATCH /api/v1/namespaces/ns/pods/p/status',
        'GET /api/v1/namespaces/ns/pods/p',
        'PATCH /api/v1/namespaces/ns/pods/p/status',
      ],
    )
    api.conflictsToInject = 10
    await t.rejects(
      writer.write({ ...pod, resourceVersion: obj.metadata.resourceVersion }, entries),
      {
        message: /^HTTP 409: the object has been modified \(injected\)/,
      },
    )
    api.conflictsToInject = 0
    t.equal(await writer.write({ ...pod, name: 'gone' }, entries), false)
    api.addPod({ namespace: 'ns', name: 'p', uid: 'u2', node: 'n' })
    await t.rejects(writer.write(pod, entries), {
      message: 'pod was recreated (UID u2, attached UID u1)',
    })
    api.conflictsToInject = 1
    const gone = writer.write({ ...pod, uid: 'u2', resourceVersion: '' }, entries)
    api.deletePod('ns', 'p')
    t.equal(await gone, false, 'deleted while retrying')
    api.down = true
    await t.rejects(writer.write(pod, entries), { message: /^HTTP 503/ })
  },
)

t.test('a patch lost below HTTP is sent again; applied or not, the value is written', async (t) => {
  const api = new FakeApi('n')
  await api.start()
  t.teardown(() => api.stop())
  const obj = api.addPod({ namespace: 'ns', name: 'p', uid: 'u1', node: 'n' })
  const logs = captureLogs()
  const writer = new PodStatusWriter({
    kubeConfig: api.kubeConfig(),
    timeoutMs: 30_000,
    logger: logs.logger,
    attempts: 3,
  })
  const pod = () => ({
    namespace: 'ns',
    name: 'p',
    uid: 'u1',
    resourceVersion: obj.metadata.resourceVersion as string,
    annotations: {},
  })
  const paths = () => api.requests.map((r) => `${r.method} ${r.path}`)

  api.statusPatchesToDrop = 1
  t.equal(await writer.write(pod(), entries), true, 'not applied: the repeat writes it')
  t.same(JSON.parse(obj.metadata.annotations[ANNOTATIONS.networkStatus]), entries)
  t.same(paths(), [
    'PATCH /api/v1/namespaces/ns/pods/p/status',
    'PATCH /api/v1/namespaces/ns/pods/p/status',
  ])

  api.requests.length = 0
  api.statusPatchesToDrop = 1
  api.applyDropped = true
  const second = [{ ...entries[0]!, ips: ['10.0.0.3'] }]
  t.equal(await writer.write(pod(), second), true, 'applied: the repeat conflicts, then writes')
  t.same(JSON.parse(obj.metadata.annotations[ANNOTATIONS.networkStatus]), second)
  t.same(paths(), [
    'PATCH /api/v1/namespaces/ns/pods/p/status',
    'PATCH /api/v1/namespaces/ns/pods/p/status',
    'GET /api/v1/namespaces/ns/pods/p',
    'PATCH /api/v1/namespaces/ns/pods/p/status',
  ])

  api.requests.length = 0
  api.statusPatchesToDrop = 5
  api.applyDropped = false
  await t.rejects(writer.write(pod(), entries), { message: /fetch failed|socket|closed/i })
  t.equal(api.requests.length, 3, 'at most `attempts` sends')
})
