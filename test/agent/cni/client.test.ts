import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { createCniClient } from '../../../src/agent/cni/client.js'
import { parseNetworkConfig } from '../../../src/agent/cni/config.js'
import { CniPluginError } from '../../../src/agent/cni/plugin-error.js'
import { convertResult } from '../../../src/agent/cni/result.js'
import type { ExecOptions, RuntimeConf } from '../../../src/agent/cni/types.js'
import {
  CNI_BIN,
  addNetns,
  addVeth,
  addressesIn,
  bridgeName,
  hex,
  ip,
  keepIpForward,
  linkIn,
  recorded,
  recorderPlugin,
  scriptPlugin,
  subnet24,
} from './fixtures/host.js'

const client = createCniClient()
const opts: ExecOptions = { binDirs: [CNI_BIN], timeoutMs: 30_000 }

function runtime(netns: string, ifName: string, extra: Partial<RuntimeConf> = {}): RuntimeConf {
  return {
    containerId: `mncni-${hex(6)}`,
    netns,
    ifName,
    args: [
      ['IgnoreUnknown', '1'],
      ['K8S_POD_NAMESPACE', 'default'],
      ['K8S_POD_NAME', 'p'],
    ],
    capabilityArgs: {},
    ...extra,
  }
}

/** Rejects with a CniPluginError; returns it for assertions. */
async function cniError(t: Test, p: Promise<unknown>): Promise<CniPluginError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  t.type(err, CniPluginError)
  return err as CniPluginError
}

t.test('bridge + host-local: ADD, the address in the netns, CHECK, DEL frees the IP', async (t) => {
  keepIpForward(t)
  const ns = addNetns(t)
  const br = bridgeName(t)
  const net = subnet24()
  const dataDir = t.testdir({})
  const list = parseNetworkConfig({
    cniVersion: '1.0.0',
    name: 'mncni-br',
    type: 'bridge',
    bridge: br,
    isGateway: true,
    ipam: {
      type: 'host-local',
      dataDir,
      ranges: [[{ subnet: `${net}.0/24`, gateway: `${net}.1` }]],
      routes: [{ dst: '0.0.0.0/0' }],
    },
  })
  const rt = runtime(ns.path, 'eth0')
  const result = await client.addNetworkList(list, rt, opts)
  t.equal(result.cniVersion, '1.0.0')
  const eth0 = result.interfaces?.findIndex((i) => i.name === 'eth0')
  t.ok(eth0 !== undefined && eth0 >= 0, 'eth0 in the result')
  t.equal(result.interfaces?.[eth0!]?.sandbox, ns.path)
  t.equal(result.ips?.length, 1)
  const addr = result.ips![0]!
  t.match(addr.address, new RegExp(`^${net.replace(/\./g, '\\.')}\\.\\d+/24$`))
  t.equal(addr.gateway, `${net}.1`)
  t.equal(addr.interface, eth0)
  t.same(addressesIn(ns.name, 'eth0'), [addr.address], 'the kernel has the address')
  const reservation = join(dataDir, 'mncni-br', addr.address.split('/')[0]!)
  t.equal(readFileSync(reservation, 'utf8').split(/\r?\n/)[0], rt.containerId)

  await client.checkNetworkList(list, rt, result, opts)

  await client.delNetworkList(list, rt, result, opts)
  t.notOk(existsSync(reservation), 'DEL freed the host-local reservation')
  t.equal(linkIn(ns.name, 'eth0'), undefined, 'eth0 is gone')
  await client.delNetworkList(list, rt, result, opts)
  t.pass('a second DEL succeeds')
  await client.delNetworkList(list, { ...rt, netns: '' }, undefined, opts)
  t.pass('DEL with an empty netns and no prevResult succeeds')
})

t.test('a 0.3.1 network: result read up to 1.0.0, no CHECK, DEL without prevResult', async (t) => {
  keepIpForward(t)
  const ns = addNetns(t)
  const br = bridgeName(t)
  const net = subnet24()
  const list = parseNetworkConfig({
    cniVersion: '0.3.1',
    name: 'mncni-old',
    plugins: [
      {
        type: 'bridge',
        bridge: br,
        ipam: { type: 'host-local', dataDir: t.testdir({}), subnet: `${net}.0/24` },
      },
    ],
  })
  const rt = runtime(ns.path, 'eth0')
  const result = await client.addNetworkList(list, rt, opts)
  t.equal(result.cniVersion, '1.0.0')
  t.notOk('version' in result.ips![0]!, 'no 0.x ips[].version in the 1.0.0 shape')
  t.equal((convertResult(result, '0.3.1').ips as Array<{ version: string }>)[0]!.version, '4')
  await client.delNetworkList(list, rt, result, opts)
  // After DEL a real CHECK fails (host-local finds no address): below 0.4.0 CHECK never runs.
  await client.checkNetworkList(list, rt, result, opts)
  t.pass('CHECK is skipped below 0.4.0')
})

t.test('macvlan on a veth master with static IPAM', async (t) => {
  const ns = addNetns(t)
  const master = addVeth(t)
  const net = subnet24()
  const list = parseNetworkConfig({
    cniVersion: '1.0.0',
    name: 'mncni-mv',
    type: 'macvlan',
    master,
    mode: 'bridge',
    ipam: {
      type: 'static',
      addresses: [{ address: `${net}.10/24`, gateway: `${net}.1` }],
      routes: [{ dst: '10.251.0.0/16', gw: `${net}.1` }],
    },
  })
  const rt = runtime(ns.path, 'net1')
  const result = await client.addNetworkList(list, rt, opts)
  t.same(result.ips, [{ address: `${net}.10/24`, gateway: `${net}.1`, interface: 0 }])
  const link = linkIn(ns.name, 'net1') as { linkinfo?: { info_kind?: string } }
  t.equal(link.linkinfo?.info_kind, 'macvlan')
  t.same(addressesIn(ns.name, 'net1'), [`${net}.10/24`])
  t.match(ip('-n', ns.name, 'route', 'show', '10.251.0.0/16'), `via ${net}.1 dev net1`)
  await client.checkNetworkList(list, rt, result, opts)
  await client.delNetworkList(list, rt, result, opts)
  t.equal(linkIn(ns.name, 'net1'), undefined, 'net1 is gone')
})

t.test('conflist macvlan + tuning: prevResult chained, the MAC from runtimeConfig', async (t) => {
  const ns = addNetns(t)
  const master = addVeth(t)
  const net = subnet24()
  const mac = `c2:11:22:${hex(1)}:${hex(1)}:${hex(1)}`
  const rt = runtime(ns.path, 'net2', { capabilityArgs: { mac, ips: [`${net}.20/24`] } })
  t.teardown(() => rmSync(`/run/cni/tuning/${rt.containerId}-net2.json`, { force: true }))
  const list = parseNetworkConfig({
    cniVersion: '1.0.0',
    name: 'mncni-tune',
    plugins: [
      {
        type: 'macvlan',
        master,
        capabilities: { ips: true },
        ipam: { type: 'static', routes: [{ dst: '10.251.0.0/16', gw: `${net}.1` }] },
      },
      {
        type: 'tuning',
        capabilities: { mac: true },
        sysctl: { 'net.ipv4.conf.net2.arp_filter': '1' },
      },
    ],
  })
  const result = await client.addNetworkList(list, rt, opts)
  t.equal(result.interfaces?.[0]?.mac, mac, 'tuning rewrote the MAC in the chained result')
  t.same(
    result.ips?.map((i) => i.address),
    [`${net}.20/24`],
    'macvlan kept its static IP',
  )
  const link = linkIn(ns.name, 'net2') as { address?: string }
  t.equal(link.address, mac, 'the kernel has the MAC')
  t.equal(
    ip('netns', 'exec', ns.name, 'cat', '/proc/sys/net/ipv4/conf/net2/arp_filter').trim(),
    '1',
  )
  await client.checkNetworkList(list, rt, result, opts)
  await client.delNetworkList(list, rt, result, opts)
  t.equal(linkIn(ns.name, 'net2'), undefined)
  t.notOk(existsSync(`/run/cni/tuning/${rt.containerId}-net2.json`), 'tuning dropped its backup')
})

t.test('runtimeConfig reaches only the plugins that declare the capability', async (t) => {
  const dir = t.testdir({})
  recorderPlugin(dir, 'spy-a')
  recorderPlugin(dir, 'spy-b')
  const list = parseNetworkConfig({
    cniVersion: '1.0.0',
    name: 'caps',
    plugins: [
      { type: 'spy-a', capabilities: { ips: true, mac: false } },
      { type: 'spy-b', capabilities: { mac: true, portMappings: true }, runtimeConfig: { x: 1 } },
    ],
  })
  const rt = runtime('/run/netns/none', 'net1', {
    capabilityArgs: { mac: '02:00:00:00:00:01', ips: ['10.251.1.2/24'], bandwidth: {} },
  })
  const binDirs = ['/nonexistent', dir]
  const result = await client.addNetworkList(list, rt, { ...opts, binDirs })
  const [a] = recorded(dir, 'spy-a')
  const [b] = recorded(dir, 'spy-b')
  t.same(a!.stdin.runtimeConfig, { ips: ['10.251.1.2/24'] }, 'no mac without capabilities.mac')
  t.same(b!.stdin.runtimeConfig, { mac: '02:00:00:00:00:01' }, 'replaced, never merged')
  t.notOk('prevResult' in a!.stdin)
  t.same(b!.stdin.prevResult, {
    cniVersion: '1.0.0',
    ips: [{ address: '10.251.0.5/24' }],
  })
  t.same(a!.stdin.capabilities, { ips: true, mac: false }, 'capabilities pass through')
  t.equal(a!.stdin.name, 'caps')
  t.same(result, { cniVersion: '1.0.0', ips: [{ address: '10.251.0.5/24' }] })
  const env = JSON.parse(readFileSync(join(dir, 'spy-a.env.json'), 'utf8')) as Record<
    string,
    string
  >
  t.equal(env.CNI_COMMAND, 'ADD')
  t.equal(env.CNI_ARGS, 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=p')
  t.equal(env.CNI_PATH, `/nonexistent:${dir}`)
  t.equal(env.CNI_IFNAME, 'net1')
  t.equal(env.CNI_CONTAINERID, rt.containerId)

  // DEL runs in reverse, each with the final result; a 0.4.0+ CHECK gets it too.
  await client.checkNetworkList(list, rt, result, { ...opts, binDirs })
  await client.delNetworkList(list, rt, result, { ...opts, binDirs })
  t.same(
    [...recorded(dir, 'spy-a'), ...recorded(dir, 'spy-b')].map((r) => r.command),
    ['ADD', 'CHECK', 'DEL', 'ADD', 'CHECK', 'DEL'],
  )
  t.same(recorded(dir, 'spy-a')[2]!.stdin.prevResult, result)
})

t.test('disableCheck: CHECK never runs', async (t) => {
  const dir = t.testdir({})
  recorderPlugin(dir, 'spy')
  const list = parseNetworkConfig({
    cniVersion: '1.0.0',
    name: 'nocheck',
    disableCheck: true,
    plugins: [{ type: 'spy' }],
  })
  await client.checkNetworkList(
    list,
    runtime('/x', 'eth0'),
    { cniVersion: '1.0.0' },
    {
      ...opts,
      binDirs: [dir],
    },
  )
  t.same(recorded(dir, 'spy'), [])
})

t.test('version negotiation against the installed plugins', async (t) => {
  const ns = addNetns(t)
  const master = addVeth(t)
  const net = subnet24()
  const conf = {
    name: 'mncni-neg',
    type: 'macvlan',
    master,
    ipam: { type: 'static', addresses: [{ address: `${net}.30/24` }] },
  }
  const many = parseNetworkConfig({ ...conf, cniVersion: '1.0.0', cniVersions: ['0.4.0', '1.1.0'] })
  t.equal(many.cniVersion, '1.1.0', 'the config alone would pick 1.1.0')
  t.equal(await client.negotiateVersion(many, opts), '1.0.0', 'macvlan 1.1.1 speaks up to 1.0.0')
  const rt = runtime(ns.path, 'net1')
  const result = await client.addNetworkList(many, rt, opts)
  t.equal(result.cniVersion, '1.0.0')
  await client.delNetworkList(many, rt, result, opts)

  const only11 = parseNetworkConfig({ ...conf, cniVersion: '1.1.0' })
  const err = await cniError(t, client.addNetworkList(only11, rt, opts))
  t.equal(err.failure, 'version')
  t.equal(err.code, 1)
  t.equal(err.pluginType, 'macvlan')
  t.match(err.message, 'network "mncni-neg" asks for CNI 1.1.0, but plugin "macvlan" supports only')
  t.equal(linkIn(ns.name, 'net1'), undefined, 'nothing ran')
})

t.test('a plugin error: ADD into a missing netns', async (t) => {
  const master = addVeth(t)
  const list = parseNetworkConfig({
    cniVersion: '1.0.0',
    name: 'mncni-err',
    type: 'macvlan',
    master,
    ipam: { type: 'static', addresses: [{ address: `${subnet24()}.40/24` }] },
  })
  const err = await cniError(
    t,
    client.addNetworkList(list, runtime(`/run/netns/mncni-missing-${hex(4)}`, 'net1'), opts),
  )
  t.equal(err.failure, 'plugin')
  t.equal(err.pluginType, 'macvlan')
  t.equal(err.command, 'ADD')
  t.equal(err.code, 999)
  t.match(err.msg, /failed to open netns/)
  t.match(err.message, /^macvlan ADD: failed to open netns/)
  t.same(err.toCniError('1.0.0'), { cniVersion: '1.0.0', code: 999, msg: `macvlan: ${err.msg}` })
})

t.test('bad runtime values are refused before any plugin runs', async (t) => {
  const dir = t.testdir({})
  recorderPlugin(dir, 'spy')
  const list = parseNetworkConfig({ cniVersion: '1.0.0', name: 'rt', type: 'spy' })
  const o = { ...opts, binDirs: [dir] }
  for (const [rt, why] of [
    [runtime('/x', 'eth0', { containerId: '-bad' }), 'invalid container ID "-bad"'],
    [runtime('/x', 'a-very-long-ifname'), 'invalid interface name "a-very-long-ifname"'],
    [runtime('/x', 'a/b'), 'invalid interface name "a/b"'],
    [runtime('', 'eth0'), 'netns is required'],
    [runtime('/x', 'eth0', { args: [['K8S;X', 'y']] }), 'invalid CNI_ARGS pair "K8S;X=y"'],
  ] as const) {
    const err = await cniError(t, client.addNetworkList(list, rt, o))
    t.equal(err.failure, 'invalid')
    t.equal(err.code, 4)
    t.equal(err.msg, `network "rt": ${why}`)
  }
  t.same(recorded(dir, 'spy'), [])
})

t.test('a missing plugin binary names the plugin and the dirs', async (t) => {
  const list = parseNetworkConfig({ cniVersion: '1.0.0', name: 'nf', type: 'nosuchplugin' })
  const err = await cniError(
    t,
    client.addNetworkList(list, runtime('/x', 'eth0'), { ...opts, binDirs: ['/a', '/b'] }),
  )
  t.equal(err.failure, 'not-found')
  t.equal(err.msg, 'failed to find plugin "nosuchplugin" in path [/a /b]')
})

t.test('ADD with an unreadable result is an output error', async (t) => {
  const dir = t.testdir({})
  scriptPlugin(dir, 'liar', 'cat >/dev/null; echo \'{"ips":[{"gateway":"10.251.0.1"}]}\'')
  const list = parseNetworkConfig({ cniVersion: '1.0.0', name: 'liar', type: 'liar' })
  const err = await cniError(
    t,
    client.addNetworkList(list, runtime('/x', 'eth0'), { ...opts, binDirs: [dir] }),
  )
  t.equal(err.failure, 'output')
  t.match(err.msg, 'unreadable ADD result: result .ips[0].address: required')
})

t.test('DEL goes on past errors and reports them joined', async (t) => {
  const dir = t.testdir({})
  const fail = (msg: string) =>
    `cat >/dev/null; echo '{"cniVersion":"1.0.0","code":11,"msg":"${msg}"}'; exit 1`
  scriptPlugin(dir, 'bad-a', fail('a is busy'))
  recorderPlugin(dir, 'spy')
  scriptPlugin(dir, 'bad-b', fail('b is busy'))
  const list = parseNetworkConfig({
    cniVersion: '1.0.0',
    name: 'joined',
    plugins: [{ type: 'bad-a' }, { type: 'spy' }, { type: 'bad-b' }],
  })
  const err = await cniError(
    t,
    client.delNetworkList(list, runtime('', 'eth0'), undefined, { ...opts, binDirs: [dir] }),
  )
  t.equal(err.failure, 'joined')
  t.equal(err.pluginType, 'bad-b,bad-a')
  t.equal(err.code, 11)
  t.equal(err.message, 'DEL: bad-b DEL: b is busy; bad-a DEL: a is busy')
  t.same(
    err.errors.map((e) => e.msg),
    ['b is busy', 'a is busy'],
  )
  t.same(err.toCniError('1.0.0'), { cniVersion: '1.0.0', code: 11, msg: err.msg })
  t.same(
    recorded(dir, 'spy').map((r) => [r.command, 'prevResult' in r.stdin]),
    [['DEL', false]],
    'the middle plugin still got its DEL',
  )
})

t.test(
  'DEL still runs the plugins it can when one is missing or the version is gone',
  async (t) => {
    const dir = t.testdir({})
    recorderPlugin(dir, 'spy', ['0.4.0', '1.0.0'])
    const o = { ...opts, binDirs: [dir] }
    const rt = runtime('', 'eth0')
    const missing = parseNetworkConfig({
      cniVersion: '1.0.0',
      name: 'gone',
      plugins: [{ type: 'spy' }, { type: 'uninstalled' }],
    })
    let err = await cniError(t, client.delNetworkList(missing, rt, { cniVersion: '1.0.0' }, o))
    t.equal(err.failure, 'not-found')
    t.equal(err.pluginType, 'uninstalled')
    t.same(
      recorded(dir, 'spy').map((r) => [r.command, r.stdin.cniVersion, 'prevResult' in r.stdin]),
      [['DEL', '1.0.0', true]],
    )
    const newer = parseNetworkConfig({ cniVersion: '1.1.0', name: 'newer', type: 'spy' })
    err = await cniError(t, client.delNetworkList(newer, rt, undefined, o))
    t.equal(err.failure, 'version')
    t.same(
      recorded(dir, 'spy')
        .slice(1)
        .map((r) => [r.command, r.stdin.cniVersion]),
      [
        ['VERSION', '1.1.0'],
        ['DEL', '1.1.0'],
      ],
      'DEL is still tried with the config version',
    )
  },
)

t.test('STATUS and GC: only for 1.1.0, GC with cni.dev/valid-attachments', async (t) => {
  const dir = t.testdir({})
  recorderPlugin(dir, 'spy11')
  recorderPlugin(dir, 'spy10', ['0.4.0', '1.0.0'])
  const o = { ...opts, binDirs: [dir] }
  const valid = [
    { containerID: 'c1', ifname: 'eth0' },
    { containerID: 'c2', ifname: 'net1' },
  ]
  const v11 = parseNetworkConfig({ cniVersion: '1.1.0', name: 'gc', plugins: [{ type: 'spy11' }] })
  await client.statusNetworkList(v11, o)
  await client.gcNetworkList(v11, valid, o)
  const calls = recorded(dir, 'spy11')
  t.same(
    calls.map((c) => c.command),
    ['VERSION', 'STATUS', 'GC'],
    'one VERSION probe, cached for the GC',
  )
  t.same(calls[1]!.stdin, { type: 'spy11', name: 'gc', cniVersion: '1.1.0' })
  t.same(calls[2]!.stdin['cni.dev/valid-attachments'], valid)
  t.same(calls[2]!.stdin['cni.dev/attachments'], valid)
  const env = JSON.parse(readFileSync(join(dir, 'spy11.env.json'), 'utf8')) as Record<
    string,
    string
  >
  t.equal(env.CNI_COMMAND, 'GC')
  t.equal(env.CNI_PATH, dir)
  t.notOk('CNI_CONTAINERID' in env)

  const noGc = parseNetworkConfig({
    cniVersion: '1.1.0',
    name: 'gc',
    disableGC: true,
    plugins: [{ type: 'spy11' }],
  })
  await client.gcNetworkList(noGc, valid, o)
  t.equal(recorded(dir, 'spy11').length, 3, 'disableGC: no exec')

  const v10 = parseNetworkConfig({ cniVersion: '1.0.0', name: 'old', plugins: [{ type: 'spy10' }] })
  await client.statusNetworkList(v10, o)
  await client.gcNetworkList(v10, valid, o)
  t.same(recorded(dir, 'spy10'), [], '1.0.0: STATUS and GC succeed without exec')

  const both = parseNetworkConfig({
    cniVersion: '1.0.0',
    cniVersions: ['1.1.0'],
    name: 'both',
    plugins: [{ type: 'spy11' }, { type: 'spy10' }],
  })
  t.equal(await client.negotiateVersion(both, o), '1.0.0', 'the highest all plugins speak')
  await client.gcNetworkList(both, valid, o)
  t.same(
    recorded(dir, 'spy10').map((c) => c.command),
    ['VERSION'],
  )

  const mixed = parseNetworkConfig({
    cniVersion: '1.1.0',
    name: 'mixed',
    plugins: [{ type: 'spy11' }, { type: 'spy10' }],
  })
  const err = await cniError(t, client.statusNetworkList(mixed, o))
  t.equal(err.failure, 'version')
  t.equal(err.pluginType, 'spy10')
})

t.test('GC goes on past a failing plugin', async (t) => {
  const dir = t.testdir({})
  scriptPlugin(
    dir,
    'gcfail',
    `cat >/dev/null
if [ "$CNI_COMMAND" = VERSION ]; then echo '{"cniVersion":"1.1.0","supportedVersions":["1.1.0"]}'; exit 0; fi
echo '{"cniVersion":"1.1.0","code":5,"msg":"disk full"}'; exit 1`,
  )
  recorderPlugin(dir, 'spy')
  const list = parseNetworkConfig({
    cniVersion: '1.1.0',
    name: 'gc2',
    plugins: [{ type: 'gcfail' }, { type: 'spy' }],
  })
  const err = await cniError(t, client.gcNetworkList(list, [], { ...opts, binDirs: [dir] }))
  t.equal(err.failure, 'plugin')
  t.equal(err.msg, 'disk full')
  t.same(
    recorded(dir, 'spy').map((c) => c.command),
    ['VERSION', 'GC'],
  )
})
