/**
 * The agent end to end on this machine, as root: real delegates from /usr/lib/cni in real
 * network namespaces, driven over the agent's real unix socket the way the shim drives it, with
 * pods and NADs served by a loopback API stand-in (the real API server + kubelet path is the
 * e2e suite's).
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import type { CniEnv } from '../../src/agent/protocol.js'
import { parseNetworkStatus } from '../../src/spec/network-status.js'
import { ANNOTATIONS } from '../../src/spec/types.js'
import { agentEnv, type AgentEnv } from './fixtures/agent-env.js'
import { cni } from './fixtures/cni-call.js'
import { rand } from './fixtures/host-net.js'

t.setTimeout(180_000)

const NS = 'team-a'

function env(
  command: CniEnv['CNI_COMMAND'],
  containerId: string,
  netns: string,
  pod: { name: string; uid: string },
): CniEnv {
  return {
    CNI_COMMAND: command,
    CNI_CONTAINERID: containerId,
    CNI_NETNS: netns,
    CNI_IFNAME: 'eth0',
    CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${NS};K8S_POD_NAME=${pod.name};K8S_POD_INFRA_CONTAINER_ID=${containerId};K8S_POD_UID=${pod.uid}`,
    CNI_PATH: '/usr/lib/cni',
  }
}

/** What the runtime sends: the node config the agent wrote (cniVersion, name, our plugin). */
function nodeConf(e: AgentEnv): Record<string, unknown> {
  const text = readFileSync(join(e.settings.cniConfDir, '00-multinet.conflist'), 'utf8')
  const list = JSON.parse(text) as { cniVersion: string; name: string; plugins: object[] }
  return { cniVersion: list.cniVersion, name: list.name, ...list.plugins[0] }
}

/** Host-local reservations (IP files) of the primary. */
function reserved(e: AgentEnv): string[] {
  const dir = join(e.ipamDir, 'mnag-primary')
  return existsSync(dir) ? readdirSync(dir).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)) : []
}

function planPath(e: AgentEnv, id: string): string {
  return join(e.settings.stateDir, 'plans', `${id}.json`)
}

/** A macvlan NAD on a fresh veth master with a static address in 10.252.<octet>.0/24. */
function macvlanNad(e: AgentEnv, name: string, octet: number, extra: object = {}) {
  const master = e.net.veth()
  e.api.addNad(NS, name, {
    cniVersion: '1.0.0',
    type: 'macvlan',
    master,
    mode: 'bridge',
    ipam: {
      type: 'static',
      addresses: [{ address: `10.252.${octet}.10/24`, gateway: `10.252.${octet}.1` }],
      routes: [{ dst: `10.253.${octet}.0/24`, gw: `10.252.${octet}.1` }],
    },
    ...extra,
  })
  return master
}

t.test(
  'ADD attaches primary, macvlan and a macvlan+tuning conflist; CHECK; DEL frees all',
  async (t) => {
    const e = await agentEnv(t)
    await e.waitReady()
    const ns = e.net.netns()
    const o2 = (e.octet + 1) % 250
    const o3 = (e.octet + 2) % 250
    macvlanNad(e, 'data', o2)
    const master3 = e.net.veth()
    e.api.addNad(NS, 'tuned', {
      cniVersion: '1.0.0',
      plugins: [
        {
          type: 'macvlan',
          master: master3,
          mode: 'bridge',
          ipam: { type: 'static', addresses: [{ address: `10.252.${o3}.20/24` }] },
        },
        {
          type: 'tuning',
          capabilities: { mac: true },
          sysctl: { 'net.ipv4.conf.fast.arp_filter': '1' },
        },
      ],
    })
    const pod = { name: `p-${rand()}`, uid: `uid-${rand(8)}` }
    e.api.addPod({
      namespace: NS,
      ...pod,
      node: 'mnag-node',
      annotations: {
        [ANNOTATIONS.networks]: JSON.stringify([
          { name: 'data' },
          { name: 'tuned', interface: 'fast', mac: 'c2:11:22:33:44:55' },
        ]),
      },
    })
    const id = `ctr-${rand(8)}`
    const add = await cni(e.settings.socket, env('ADD', id, ns.path, pod), nodeConf(e))
    t.equal(add.status, 200, JSON.stringify(add.body))
    const result = add.body.result
    t.equal(result.cniVersion, '1.0.0')
    t.match(result.ips[0].address, new RegExp(`^10\\.252\\.${e.octet}\\.\\d+/24$`))
    t.same(e.net.linksIn(ns.name), ['eth0', 'fast', 'lo', 'net1'])
    t.same(e.net.addrsIn(ns.name, 'net1'), [`10.252.${o2}.10/24`])
    t.same(e.net.addrsIn(ns.name, 'fast'), [`10.252.${o3}.20/24`])
    t.same(e.net.addrsIn(ns.name, 'eth0'), [result.ips[0].address])
    const fastMac = JSON.parse(
      (await import('./fixtures/host-net.js')).ip('-n', ns.name, '-j', 'link', 'show', 'fast'),
    )[0].address
    t.equal(fastMac, 'c2:11:22:33:44:55', 'tuning applied the selection mac (runtimeConfig)')

    const plan = JSON.parse(readFileSync(planPath(e, id), 'utf8'))
    t.same(
      plan.attachments.map((a: { network: string; ifName: string; state: string }) => [
        a.network,
        a.ifName,
        a.state,
      ]),
      [
        ['mnag-primary', 'eth0', 'added'],
        [`${NS}/data`, 'net1', 'added'],
        [`${NS}/tuned`, 'fast', 'added'],
      ],
    )
    t.equal((await import('node:fs')).statSync(planPath(e, id)).mode & 0o777, 0o600)

    const stored = e.api.pods.get(`${NS}/${pod.name}`)!.metadata.annotations[
      ANNOTATIONS.networkStatus
    ]
    const parsed = parseNetworkStatus(stored)
    t.same(parsed.findings, [])
    t.match(parsed.entries, [
      { name: 'mnag-primary', interface: 'eth0', default: true, gateway: [`10.252.${e.octet}.1`] },
      { name: `${NS}/data`, interface: 'net1', ips: [`10.252.${o2}.10`] },
      {
        name: `${NS}/tuned`,
        interface: 'fast',
        ips: [`10.252.${o3}.20`],
        mac: 'c2:11:22:33:44:55',
      },
    ])
    const patch = e.api.requests.find((r) => r.method === 'PATCH' && r.path.endsWith('/status'))!
    t.equal(patch.contentType, 'application/merge-patch+json')
    const meta = (patch.body as { metadata: { annotations: object } }).metadata
    t.same(Object.keys(meta).sort(), ['annotations', 'resourceVersion', 'uid'])
    t.same(Object.keys(meta.annotations), [ANNOTATIONS.networkStatus])
    await e.api.until(() => e.api.events.length >= 2)
    t.match(
      e.api.events.map((ev) => [ev.reason, ev.message]),
      [
        ['AddedInterface', `Add net1 [10.252.${o2}.10/24] from ${NS}/data`],
        ['AddedInterface', /^Add fast/],
      ],
    )
    t.equal(reserved(e).length, 1)

    const check = await cni(e.settings.socket, env('CHECK', id, ns.path, pod), nodeConf(e))
    t.equal(check.status, 200, JSON.stringify(check.body))

    const del = await cni(e.settings.socket, env('DEL', id, ns.path, pod), nodeConf(e))
    t.equal(del.status, 200, JSON.stringify(del.body))
    t.same(e.net.linksIn(ns.name), ['lo'])
    t.notOk(existsSync(planPath(e, id)), 'plan removed after a clean DEL')
    t.same(reserved(e), [], 'host-local reservation freed')

    const again = await cni(e.settings.socket, env('DEL', id, ns.path, pod), nodeConf(e))
    t.equal(again.status, 200, 'DEL is idempotent')
    const empty = await cni(e.settings.socket, { ...env('DEL', id, '', pod) }, nodeConf(e))
    t.equal(empty.status, 200, "containerd's second DEL with an empty CNI_NETNS")

    const afterCheck = await cni(e.settings.socket, env('CHECK', id, ns.path, pod), nodeConf(e))
    t.equal(afterCheck.status, 500)
    t.equal(afterCheck.body.code, 3, 'CHECK after DEL: container unknown')
  },
)

t.test('a failing second delegate rolls back the first: no link, no reservation', async (t) => {
  const e = await agentEnv(t)
  await e.waitReady()
  const ns = e.net.netns()
  e.api.addNad(NS, 'broken', {
    cniVersion: '1.0.0',
    type: 'macvlan',
    master: `mnavnone${rand(4)}`,
    ipam: { type: 'static', addresses: [{ address: '10.252.254.9/24' }] },
  })
  const pod = { name: `p-${rand()}`, uid: `uid-${rand(8)}` }
  e.api.addPod({
    namespace: NS,
    ...pod,
    node: 'mnag-node',
    annotations: { [ANNOTATIONS.networks]: 'broken' },
  })
  const id = `ctr-${rand(8)}`
  const add = await cni(e.settings.socket, env('ADD', id, ns.path, pod), nodeConf(e))
  t.equal(add.status, 500)
  t.equal(add.body.code, 103)
  t.match(add.body.msg, `adding network ${NS}/broken@net1 (plugin macvlan) failed: macvlan ADD:`)
  t.same(e.net.linksIn(ns.name), ['lo'], 'primary eth0 removed by the rollback')
  t.same(reserved(e), [], "the primary's IP was released")
  const plan = JSON.parse(readFileSync(planPath(e, id), 'utf8'))
  t.same(
    plan.attachments.map((a: { state: string }) => a.state),
    ['deleted', 'failed'],
    'the primary rolled back; macvlan cannot DEL without its master',
  )
  t.notOk(
    e.api.pods.get(`${NS}/${pod.name}`)!.metadata.annotations[ANNOTATIONS.networkStatus],
    'no network-status for a failed ADD',
  )
  const del = await cni(e.settings.socket, env('DEL', id, ns.path, pod), nodeConf(e))
  t.equal(del.status, 200)
  t.notOk(existsSync(planPath(e, id)))
})

t.test('a fresh agent DELs from the persisted plan after a crash mid-ADD', async (t) => {
  const e = await agentEnv(t)
  await e.waitReady()
  const ns = e.net.netns()
  macvlanNad(e, 'data', (e.octet + 3) % 250)
  const pod = { name: `p-${rand()}`, uid: `uid-${rand(8)}` }
  e.api.addPod({
    namespace: NS,
    ...pod,
    node: 'mnag-node',
    annotations: { [ANNOTATIONS.networks]: 'data' },
  })
  const id = `ctr-${rand(8)}`
  const add = await cni(e.settings.socket, env('ADD', id, ns.path, pod), nodeConf(e))
  t.equal(add.status, 200, JSON.stringify(add.body))
  // The state a kill -9 leaves right after the second delegate ran, before its result was saved.
  const plan = JSON.parse(readFileSync(planPath(e, id), 'utf8'))
  plan.attachments[1].state = 'adding'
  delete plan.attachments[1].result
  writeFileSync(planPath(e, id), JSON.stringify(plan))
  await e.restart()
  // The API is gone too: DEL needs nothing but the plan.
  e.api.down = true
  const del = await cni(e.settings.socket, env('DEL', id, ns.path, pod), nodeConf(e))
  t.equal(del.status, 200, JSON.stringify(del.body))
  t.same(e.net.linksIn(ns.name), ['lo'], 'eth0 and net1 removed')
  t.same(reserved(e), [])
  t.notOk(existsSync(planPath(e, id)))
})

/** A plugin `mnag-gate` that holds ADD until the test opens the gate, then passes prevResult on. */
function gatePlugin(t: Test) {
  const gateDir = mkdtempSync(join(tmpdir(), 'mnag-gate-'))
  t.teardown(() => rmSync(gateDir, { recursive: true, force: true }))
  const bin = join(gateDir, 'bin')
  mkdirSync(bin)
  writeFileSync(
    join(bin, 'mnag-gate'),
    `#!/bin/sh
if [ "$CNI_COMMAND" = VERSION ]; then echo '{"cniVersion":"1.0.0","supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0"]}'; exit 0; fi
input=$(cat)
if [ "$CNI_COMMAND" = ADD ]; then
  touch ${gateDir}/entered
  while [ ! -e ${gateDir}/open ]; do sleep 0.05; done
  printf '%s' "$input" | ${process.execPath} -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => process.stdout.write(JSON.stringify(JSON.parse(s).prevResult)))'
fi
exit 0
`,
  )
  chmodSync(join(bin, 'mnag-gate'), 0o755)
  return {
    bin,
    /** Resolves once a delegate ADD is held at the gate. */
    entered: async (): Promise<void> => {
      while (!existsSync(join(gateDir, 'entered'))) await new Promise((r) => setTimeout(r, 10))
    },
    open: (): void => writeFileSync(join(gateDir, 'open'), ''),
  }
}

/**
 * An ADD of a new pod whose network is macvlan (static IP 10.252.x.9, x from `octet`) followed
 * by the gate plugin; resolves once the gate holds it, with the ADD's answer still pending.
 */
async function gatedAdd(
  e: Awaited<ReturnType<typeof agentEnv>>,
  gate: ReturnType<typeof gatePlugin>,
  octet: number,
) {
  const ns = e.net.netns()
  e.api.addNad(NS, 'gated', {
    cniVersion: '1.0.0',
    plugins: [
      {
        type: 'macvlan',
        master: e.net.veth(),
        ipam: {
          type: 'static',
          addresses: [{ address: `10.252.${(e.octet + octet) % 250}.9/24` }],
        },
      },
      { type: 'mnag-gate' },
    ],
  })
  const pod = { name: `p-${rand()}`, uid: `uid-${rand(8)}` }
  e.api.addPod({
    namespace: NS,
    ...pod,
    node: 'mnag-node',
    annotations: { [ANNOTATIONS.networks]: 'gated' },
  })
  const id = `ctr-${rand(8)}`
  const pending = cni(e.settings.socket, env('ADD', id, ns.path, pod), nodeConf(e))
  await gate.entered()
  return { ns, pod, id, pending }
}

t.test(
  'SIGTERM: readiness off at once, the in-flight ADD finishes, the node config stays',
  async (t) => {
    const gate = gatePlugin(t)
    const e = await agentEnv(t, { cniBinDirs: ['/usr/lib/cni', gate.bin] })
    await e.waitReady()
    const { ns, pod, id, pending } = await gatedAdd(e, gate, 9)
    // On disk while the second delegate runs: its intent record, which also carries the
    // primary's result (that result was not written on its own).
    const during = JSON.parse(readFileSync(planPath(e, id), 'utf8'))
    t.same(
      during.attachments.map((a: { state: string }) => a.state),
      ['added', 'adding'],
      'the intent record is on disk before the delegate runs',
    )
    t.ok(during.attachments[0].result?.ips?.length, "with the primary's result")
    t.notOk(during.attachments[1].result)
    const stopping = e.agent.shutdown('SIGTERM')
    const health = await fetch(`http://127.0.0.1:${e.agent.healthPort}/readyz`)
    t.equal(health.status, 503)
    t.match(await health.json(), { ready: false, missing: ['pod-cache: shutting down'] })
    t.match(e.agent.notReady(), 'shutting down')
    gate.open()
    const add = await pending
    t.equal(add.status, 200, 'the in-flight ADD finished')
    await stopping
    t.ok(existsSync(join(e.settings.cniConfDir, '00-multinet.conflist')), 'node config kept')
    t.notOk(existsSync(e.settings.socket), 'socket removed')
    await e.restart()
    const del = await cni(e.settings.socket, env('DEL', id, ns.path, pod), nodeConf(e))
    t.equal(del.status, 200)
    t.same(e.net.linksIn(ns.name), ['lo'])
  },
)

t.test('a plan that cannot be written after the delegates: the ADD is rolled back', async (t) => {
  const gate = gatePlugin(t)
  const e = await agentEnv(t, { cniBinDirs: ['/usr/lib/cni', gate.bin] })
  await e.waitReady()
  const { ns, pod, id, pending } = await gatedAdd(e, gate, 11)
  // The plans directory becomes a file while the delegate runs: no plan can be written.
  const plans = join(e.settings.stateDir, 'plans')
  renameSync(plans, `${plans}.away`)
  writeFileSync(plans, '')
  t.teardown(() => {
    rmSync(plans, { recursive: true, force: true })
    if (existsSync(`${plans}.away`)) renameSync(`${plans}.away`, plans)
  })
  gate.open()
  const add = await pending
  t.match(add.body, { code: 5, msg: /^cannot persist the attachment plan of container ctr-/ })
  t.same(e.net.linksIn(ns.name), ['lo'], 'eth0 and net1 rolled back')
  t.same(reserved(e), [], 'its IP released')
  rmSync(plans)
  renameSync(`${plans}.away`, plans)
  // The intent record from before the delegate is what DEL finds: it repeats the DELs.
  const del = await cni(e.settings.socket, env('DEL', id, ns.path, pod), nodeConf(e))
  t.equal(del.status, 200, JSON.stringify(del.body))
  t.notOk(existsSync(planPath(e, id)))
})
