import t from 'tap'
import { buildOneConfig, runtimeConfigFor } from '../../../src/agent/cni/build-config.js'
import { parseNetworkConfig } from '../../../src/agent/cni/config.js'

const list = parseNetworkConfig({
  cniVersion: '1.0.0',
  cniVersions: ['0.4.0'],
  name: 'net',
  plugins: [
    { type: 'a', cniVersion: '0.1.0', name: 'old', prevResult: { stale: true } },
    {
      type: 'b',
      capabilities: { mac: true, ips: false, bandwidth: true },
      runtimeConfig: { x: 1 },
    },
  ],
})
const rt = {
  containerId: 'c',
  netns: '/n',
  ifName: 'eth0',
  args: [],
  capabilityArgs: { mac: '02:00:00:00:00:09', ips: ['10.251.0.9/24'] },
}

t.test(
  'name and version injected; stale prevResult dropped; no runtimeConfig without caps',
  async (t) => {
    t.same(buildOneConfig(list, list.plugins[0]!, { version: '0.4.0', rt }), {
      type: 'a',
      cniVersion: '0.4.0',
      name: 'net',
    })
  },
)

t.test(
  'runtimeConfig: declared and supplied capabilities only, replacing the config',
  async (t) => {
    t.same(runtimeConfigFor(list.plugins[1]!, rt.capabilityArgs), { mac: '02:00:00:00:00:09' })
    const prevResult = { cniVersion: '1.0.0', ips: [{ address: '10.251.0.9/24' }] }
    const conf = buildOneConfig(list, list.plugins[1]!, { version: '0.4.0', rt, prevResult })
    t.same(conf.runtimeConfig, { mac: '02:00:00:00:00:09' })
    t.same(conf.prevResult, {
      cniVersion: '0.4.0',
      ips: [{ version: '4', address: '10.251.0.9/24' }],
    })
    const none = buildOneConfig(list, list.plugins[1]!, {
      version: '1.0.0',
      rt: { ...rt, capabilityArgs: {} },
    })
    t.same(none.runtimeConfig, { x: 1 }, 'nothing to inject: the config is left as it was')
  },
)

t.test('extra keys (GC attachments)', async (t) => {
  const conf = buildOneConfig(list, list.plugins[0]!, {
    version: '1.1.0',
    extra: { 'cni.dev/valid-attachments': [] },
  })
  t.same(conf['cni.dev/valid-attachments'], [])
})
