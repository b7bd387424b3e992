import t from 'tap'
import type { CniResult } from '../../src/agent/cni/types.js'
import { entriesOf, statusEntries } from '../../src/agent/status-entries.js'
import type { PlannedAttachment } from '../../src/agent/plan.js'
import { parseNetworkStatus, formatNetworkStatus } from '../../src/spec/network-status.js'

const bridge: CniResult = {
  cniVersion: '1.0.0',
  interfaces: [
    { name: 'cni0', mac: '9e:9b:ac:b9:e8:69' },
    { name: 'veth1', mac: '92:47:7f:ea:b4:a3' },
    { name: 'eth0', mac: 'd6:52:38:f5:fc:f7', mtu: 1450, sandbox: '/run/netns/t1' },
  ],
  ips: [{ interface: 2, address: '10.250.0.2/24', gateway: '10.250.0.1' }],
  routes: [{ dst: '0.0.0.0/0' }],
  dns: { nameservers: ['10.96.0.10'], search: ['svc.cluster.local'], domain: 'cluster.local' },
}

t.test('one sandbox interface: one entry; default route gateway from the IP', async (t) => {
  t.same(entriesOf('cluster', bridge, true), [
    {
      name: 'cluster',
      interface: 'eth0',
      ips: ['10.250.0.2'],
      mac: 'd6:52:38:f5:fc:f7',
      mtu: 1450,
      default: true,
      dns: { nameservers: ['10.96.0.10'], domain: 'cluster.local', search: ['svc.cluster.local'] },
      gateway: ['10.250.0.1'],
    },
  ])
  const explicit = entriesOf(
    'n',
    { ...bridge, routes: [{ dst: '::/0', gw: 'fd00::1' }], dns: {} },
    false,
  )
  t.same(explicit[0]!.gateway, ['fd00::1'])
  t.equal(explicit[0]!.default, undefined)
  t.equal(explicit[0]!.dns, undefined)
})

t.test('no interfaces (IPAM-like result): one entry with all IPs, device-info', async (t) => {
  t.same(
    entriesOf(
      'n',
      { cniVersion: '1.0.0', ips: [{ address: '10.0.0.5/16' }] },
      false,
      '0000:03:00.1',
    ),
    [
      {
        name: 'n',
        ips: ['10.0.0.5'],
        'device-info': { type: 'pci', version: '1.1.0', pci: { 'pci-address': '0000:03:00.1' } },
      },
    ],
  )
})

t.test(
  'several sandbox interfaces: IPs by index, unindexed to the last, default on the gateway one',
  async (t) => {
    const result: CniResult = {
      cniVersion: '1.0.0',
      interfaces: [
        { name: 'a', sandbox: '/ns' },
        { name: 'host', mac: '02:00:00:00:00:01' },
        { name: 'b', sandbox: '/ns', mac: '02:00:00:00:00:02' },
      ],
      ips: [
        { interface: 0, address: '10.0.0.1/24' },
        { interface: 2, address: '10.0.1.1/24', gateway: '10.0.1.254' },
        { address: '10.0.2.1/24' },
      ],
      routes: [{ dst: '0.0.0.0/0', gw: '10.0.1.254' }],
    }
    t.same(entriesOf('multi', result, true), [
      { name: 'multi', interface: 'a', ips: ['10.0.0.1'] },
      {
        name: 'multi',
        interface: 'b',
        ips: ['10.0.1.1', '10.0.2.1'],
        mac: '02:00:00:00:00:02',
        default: true,
        gateway: ['10.0.1.254'],
      },
    ])
    const noGateway = entriesOf(
      'multi',
      { ...result, ips: [{ interface: 2, address: '10.0.1.1/24' }] },
      true,
    )
    t.equal(noGateway[0]!.default, true, 'first sandbox interface when no IP has a gateway')
  },
)

t.test(
  'attachments without a result are skipped; the text round-trips through the spec parser',
  async (t) => {
    const a = (network: string, primary: boolean, result?: CniResult): PlannedAttachment =>
      ({
        network,
        ifName: 'x',
        primary,
        config: {},
        capabilityArgs: {},
        filterV4Gateway: false,
        filterV6Gateway: false,
        state: result ? 'added' : 'planned',
        ...(result && { result }),
      }) as PlannedAttachment
    const entries = statusEntries([a('cluster', true, bridge), a('ns/x', false)])
    t.equal(entries.length, 1)
    const parsed = parseNetworkStatus(formatNetworkStatus(entries))
    t.same(parsed.findings, [])
    t.same(parsed.entries, entries)
  },
)
