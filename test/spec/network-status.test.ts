import t from 'tap'
import { formatNetworkStatus, parseNetworkStatus } from '../../src/spec/network-status.js'
import type { NetworkStatusEntry } from '../../src/spec/types.js'
import { humane, summary } from '../fixtures/spec/findings.js'

/** A status as Multus writes it (spec §5 example, with v1.1–v1.3 keys). */
const multus: NetworkStatusEntry[] = [
  {
    name: 'cbr0',
    interface: 'eth0',
    ips: ['10.244.1.5'],
    mac: '0a:58:0a:f4:01:05',
    default: true,
    dns: { nameservers: ['10.96.0.10'], domain: 'cluster.local', search: ['svc.cluster.local'] },
    gateway: ['10.244.1.1'],
  },
  {
    name: 'infra/sriov',
    interface: 'net1',
    ips: ['192.0.2.10/24', '2001:db8::10'],
    mac: '02:00:5e:10:00:01',
    mtu: 9000,
    'default-route': ['192.0.2.1'],
    'device-info': { type: 'pci', version: '1.1.0', pci: { 'pci-address': '0000:03:00.2' } },
  },
  {
    name: 'infra/ib',
    interface: 'net2',
    mac: '80:00:00:48:fe:80:00:00:00:00:00:00:c2:11:22:33:44:55:66:77',
    'infiniband-guid': 'c2:11:22:33:44:55:66:77',
  },
]

const entry = (extra: Record<string, unknown>) => JSON.stringify([{ name: 'a', ...extra }])

const cases: {
  readonly name: string
  readonly value: string
  readonly errors?: string[]
  readonly entries?: NetworkStatusEntry[]
}[] = [
  { name: 'what Multus writes', value: JSON.stringify(multus), entries: multus },
  { name: 'an empty list', value: '[]', entries: [] },
  {
    name: 'unknown keys are dropped, default false kept',
    value: entry({ default: false, 'x-custom': 1 }),
    entries: [{ name: 'a', default: false }],
  },
  { name: 'not JSON', value: 'eth0', errors: ['status.syntax@network-status'] },
  { name: 'empty text', value: '', errors: ['status.syntax@network-status'] },
  {
    name: 'an object, not a list',
    value: '{"not":"a list"}',
    errors: ['status.syntax@network-status'],
  },
  { name: 'null', value: 'null', errors: ['status.syntax@network-status'] },
  { name: 'a non-object entry', value: '[1]', errors: ['status.syntax@network-status[0]'] },
  { name: 'name is required', value: '[{}]', errors: ['status.syntax@network-status[0].name'] },
  {
    name: 'empty name',
    value: entry({ name: '' }),
    errors: ['status.syntax@network-status[0].name'],
  },
  {
    name: 'name of the wrong type',
    value: '[{"name":5}]',
    errors: ['status.syntax@network-status[0].name'],
  },
  {
    name: 'invalid interface',
    value: entry({ interface: 'a:b' }),
    errors: ['status.syntax@network-status[0].interface'],
  },
  {
    name: 'ips must be a list of addresses',
    value: JSON.stringify([
      { name: 'a', ips: '10.0.0.1' },
      { name: 'b', ips: ['x', 1] },
    ]),
    errors: [
      'status.syntax@network-status[0].ips',
      'status.syntax@network-status[1].ips[0]',
      'status.syntax@network-status[1].ips[1]',
    ],
  },
  {
    name: 'spec §5: mac needs interface',
    value: entry({ mac: '02:00:5e:10:00:01' }),
    errors: ['status.syntax@network-status[0].mac'],
  },
  {
    name: 'malformed mac',
    value: entry({ interface: 'net1', mac: '02:00' }),
    errors: ['status.syntax@network-status[0].mac'],
  },
  {
    name: 'mtu must be a positive integer',
    value: JSON.stringify([
      { name: 'a', mtu: 0 },
      { name: 'b', mtu: 1500.5 },
      { name: 'c', mtu: '1500' },
    ]),
    errors: [
      'status.syntax@network-status[0].mtu',
      'status.syntax@network-status[1].mtu',
      'status.syntax@network-status[2].mtu',
    ],
  },
  {
    name: 'default must be a boolean',
    value: entry({ default: 'true' }),
    errors: ['status.syntax@network-status[0].default'],
  },
  {
    name: 'spec §5: only one default entry, even after a broken one',
    value: JSON.stringify([
      { name: 'a', default: true, mtu: -1 },
      { name: 'b', default: true },
    ]),
    errors: ['status.syntax@network-status[0].mtu', 'status.syntax@network-status[1].default'],
  },
  {
    name: 'dns fields are typed',
    value: JSON.stringify([
      { name: 'a', dns: 'x' },
      { name: 'b', dns: { nameservers: ['ns1'], domain: 5, search: [1] } },
    ]),
    errors: [
      'status.syntax@network-status[0].dns',
      'status.syntax@network-status[1].dns.nameservers[0]',
      'status.syntax@network-status[1].dns.domain',
      'status.syntax@network-status[1].dns.search[0]',
    ],
  },
  {
    name: 'default-route and gateway hold plain IPs',
    value: entry({ 'default-route': ['10.0.0.0/8'], gateway: 'gw' }),
    errors: [
      'status.syntax@network-status[0].default-route[0]',
      'status.syntax@network-status[0].gateway',
    ],
  },
  {
    name: 'device-info is an object with a string type',
    value: JSON.stringify([
      { name: 'a', 'device-info': 'pci' },
      { name: 'b', 'device-info': { type: 1 } },
    ]),
    errors: [
      'status.syntax@network-status[0].device-info',
      'status.syntax@network-status[1].device-info.type',
    ],
  },
  {
    name: 'infiniband-guid must be 8 bytes',
    value: JSON.stringify([
      { name: 'a', 'infiniband-guid': '02:00:5e:10:00:01' },
      { name: 'b', 'infiniband-guid': 1 },
    ]),
    errors: [
      'status.syntax@network-status[0].infiniband-guid',
      'status.syntax@network-status[1].infiniband-guid',
    ],
  },
]

for (const c of cases) {
  t.test(c.name, async (t) => {
    const { entries, findings } = parseNetworkStatus(c.value)
    t.same(summary(findings).errors, c.errors ?? [])
    t.same(entries, c.entries ?? [])
    t.ok(humane(findings))
  })
}

t.test(
  'formatNetworkStatus writes indented JSON in a fixed key order that parses back',
  async (t) => {
    const text = formatNetworkStatus(multus)
    t.match(text, /^\[\n {4}\{\n {8}"name": "cbr0",\n {8}"interface": "eth0",/)
    t.same(parseNetworkStatus(text), { entries: multus, findings: [] })
    const reordered = formatNetworkStatus([{ default: true, name: 'x', interface: 'eth0' }])
    t.equal(reordered.indexOf('"name"') < reordered.indexOf('"default"'), true)
    t.equal(formatNetworkStatus([]), '[]')
  },
)

// Issue 11 #5: the status list is bounded like the selections it reports.
t.test('limits: 65 entries allowed, 66 refused; over 256 KiB refused unread', async (t) => {
  const entries = (n: number) =>
    JSON.stringify(Array.from({ length: n }, (_, i) => ({ name: `ns/n${i}` })))
  t.equal(parseNetworkStatus(entries(65)).entries.length, 65)
  const many = parseNetworkStatus(entries(66))
  t.same(many.entries, [])
  t.match(many.findings, [{ rule: 'status.syntax', message: /has 66 entries; at most 65/ }])
  const big = parseNetworkStatus(`[${' '.repeat(256 * 1024)}]`)
  t.match(big.findings, [{ rule: 'status.syntax', message: /at most 262144 are read/ }])
})
