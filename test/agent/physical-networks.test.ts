import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { AgentMetrics } from '../../src/agent/metrics.js'
import { labelDiff, nicPresent, PhysicalNetworkSync } from '../../src/agent/physical-networks.js'
import { nodeLabelClient } from '../../src/cluster/node-labels.js'
import { captureLogs } from '../fixtures/webhook/logs.js'
import { FakeApi } from './fixtures/fake-api.js'

const P = 'physnet.multinet.io/'

t.test(
  'labelDiff adds missing, fixes wrong values, removes stale prefixed labels only',
  async (t) => {
    t.same(labelDiff({}, [], P), {})
    t.same(
      labelDiff(
        { [`${P}a`]: 'true', [`${P}b`]: 'false', [`${P}gone`]: 'true', other: 'x' },
        ['a', 'b', 'c'],
        P,
      ),
      { [`${P}b`]: 'true', [`${P}c`]: 'true', [`${P}gone`]: null },
    )
  },
)

t.test('sync checks NICs in /sys/class/net and patches the Node through the API', async (t) => {
  const sys = mkdtempSync(join(tmpdir(), 'mnag-sys-'))
  const api = new FakeApi('node-1')
  t.teardown(async () => {
    await api.stop()
    rmSync(sys, { recursive: true, force: true })
  })
  await api.start()
  mkdirSync(join(sys, 'eth1'))
  api.node.metadata.labels[`${P}old`] = 'true'
  const logs = captureLogs()
  const metrics = new AgentMetrics()
  const sync = new PhysicalNetworkSync({
    networks: { 'phy-data': 'eth1', 'phy-storage': 'eth2' },
    prefix: P,
    client: nodeLabelClient(api.kubeConfig(), 'node-1', 5000),
    intervalMs: 3_600_000,
    logger: logs.logger,
    metrics,
    sysClassNet: sys,
  })
  t.same(await sync.sync(), { [`${P}phy-data`]: 'true', [`${P}old`]: null })
  t.same(api.node.metadata.labels, { 'kubernetes.io/hostname': 'node-1', [`${P}phy-data`]: 'true' })
  const patch = api.requests.find((r) => r.method === 'PATCH')!
  t.equal(patch.contentType, 'application/merge-patch+json')
  t.same(await sync.sync(), {}, 'in sync: no patch')
  mkdirSync(join(sys, 'eth2'))
  t.same(await sync.sync(), { [`${P}phy-storage`]: 'true' })
  rmSync(join(sys, 'eth1'), { recursive: true })
  t.same(await sync.sync(), { [`${P}phy-data`]: null }, 'a NIC that disappears loses its label')
  const text = await metrics.registry.metrics()
  t.match(text, /multinet_agent_physical_network_present\{network="phy-data"\} 0/)
  t.match(text, /multinet_agent_physical_network_present\{network="phy-storage"\} 1/)
  t.match(text, /multinet_agent_physical_network_problems_total\{network="phy-storage"\} 2/)
  t.ok(logs.find('physical network NIC missing on this node').length >= 1)

  api.down = true
  t.same(await sync.sync(), {}, 'an API failure is logged and counted, not thrown')
  t.equal(logs.find('cannot sync node physical-network labels').length, 1)
  t.match(
    await metrics.registry.metrics(),
    /multinet_agent_physical_network_problems_total\{network="\*"\} 1/,
  )
  sync.start()
  sync.stop()
  t.ok(await nicPresent('lo'))
  t.notOk(await nicPresent('mnag-no-such-nic'))
})
