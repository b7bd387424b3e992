import t from 'tap'
import { eventBody, podEventRecorder } from '../../src/cluster/pod-events.js'
import { FakeApi } from '../agent/fixtures/fake-api.js'
import { captureLogs } from '../fixtures/webhook/logs.js'

const pod = { namespace: 'ns', name: 'p', uid: 'u', resourceVersion: '1', annotations: {} }

t.test('AddedInterface events on the pod, best effort', async (t) => {
  const now = new Date('2026-01-01T00:00:00Z')
  t.match(eventBody(pod, 'node-1', 'AddedInterface', 'Add net1', now), {
    metadata: { generateName: 'p.', namespace: 'ns' },
    involvedObject: { kind: 'Pod', namespace: 'ns', name: 'p', uid: 'u' },
    reason: 'AddedInterface',
    message: 'Add net1',
    type: 'Normal',
    source: { component: 'multinet-agent', host: 'node-1' },
    firstTimestamp: now,
  })
  const api = new FakeApi('node-1')
  await api.start()
  t.teardown(() => api.stop())
  const logs = captureLogs()
  const rec = podEventRecorder(api.kubeConfig(), 'node-1', 5000, logs.logger)
  rec.addedInterface(pod, 'Add net1 [10.0.0.5/24] from ns/data')
  await api.until(() => api.events.length === 1)
  t.match(api.events[0], {
    reason: 'AddedInterface',
    message: 'Add net1 [10.0.0.5/24] from ns/data',
    firstTimestamp: '2026-',
  } as object)
  api.down = true
  rec.addedInterface(pod, 'Add net2')
  await api.until(() => api.requests.length === 2)
  await new Promise((r) => setImmediate(r))
  t.equal(api.events.length, 1)
})
