/**
 * The CNI operations' edge cases with real plugins in real netns (see agent.test.ts for the
 * main path): default-route, UID checks, pods that appear late or never, corrupt plans, GC,
 * a repeated ADD, network-status write conflicts and failures, on-disk and physical networks.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { CniEnv } from '../../src/agent/protocol.js'
import { ANNOTATIONS } from '../../src/spec/types.js'
import { agentEnv, type AgentEnv } from './fixtures/agent-env.js'
import { cni } from './fixtures/cni-call.js'
import { rand } from './fixtures/host-net.js'

t.setTimeout(240_000)

const NS = 'team-b'

function env(
  command: CniEnv['CNI_COMMAND'],
  id: string,
  netns: string,
  pod: { name: string; uid?: string },
): CniEnv {
  const uid = pod.uid === undefined ? '' : `;K8S_POD_UID=${pod.uid}`
  return {
    CNI_COMMAND: command,
    CNI_CONTAINERID: id,
    CNI_NETNS: netns,
    CNI_IFNAME: 'eth0',
    CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${NS};K8S_POD_NAME=${pod.name}${uid}`,
  }
}

function conf(e: AgentEnv, version?: string): Record<string, unknown> {
  const list = JSON.parse(readFileSync(join(e.settings.cniConfDir, '00-multinet.conflist'), 'utf8'))
  return { cniVersion: version ?? list.cniVersion, name: list.name, ...list.plugins[0] }
}

/** Waits for a condition that an asynchronous event (a watch, a log line) makes true. */
async function until(ok: () => boolean): Promise<void> {
  while (!ok()) await new Promise((resolve) => setTimeout(resolve, 10))
}

function reserved(e: AgentEnv): string[] {
  const dir = join(e.ipamDir, 'mnag-primary')
  return existsSync(dir) ? readdirSync(dir).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)) : []
}

function pod(e: AgentEnv, annotations: Record<string, string> = {}) {
  const p = { name: `p-${rand()}`, uid: `uid-${rand(8)}` }
  e.api.addPod({ namespace: NS, ...p, node: 'mnag-node', annotations })
  return p
}

t.test(
  'default-route moves the default route to the chosen secondary, in kernel and status',
  async (t) => {
    const e = await agentEnv(t)
    await e.waitReady()
    const ns = e.net.netns()
    const o = (e.octet + 5) % 250
    e.api.addNad(NS, 'data', {
      cniVersion: '1.0.0',
      type: 'macvlan',
      master: e.net.veth(),
      ipam: { type: 'static', addresses: [{ address: `10.252.${o}.10/24` }] },
    })
    const p = pod(e, {
      [ANNOTATIONS.networks]: JSON.stringify([
        { name: 'data', 'default-route': [`10.252.${o}.1`] },
      ]),
    })
    const id = `ctr-${rand(8)}`
    const add = await cni(e.settings.socket, env('ADD', id, ns.path, p), conf(e, '0.3.1'))
    t.equal(add.status, 200, JSON.stringify(add.body))
    t.equal(add.body.result.cniVersion, '0.3.1', "the runtime's version")
    t.equal(add.body.result.ips[0].version, '4')
    t.same(add.body.result.routes, [], 'the primary result lost its default route')
    const defaults = e.net.routesIn(ns.name).filter((r) => r.dst === 'default')
    t.same(
      defaults.map((r) => [r.dev, r.gateway]),
      [['net1', `10.252.${o}.1`]],
    )
    const status = JSON.parse(
      e.api.pods.get(`${NS}/${p.name}`)!.metadata.annotations[ANNOTATIONS.networkStatus],
    )
    t.equal(status[0].gateway, undefined)
    t.same(status[1].gateway, [`10.252.${o}.1`])
    const del = await cni(e.settings.socket, env('DEL', id, ns.path, p), conf(e))
    t.equal(del.status, 200)
    t.same(e.net.linksIn(ns.name), ['lo'])
  },
)

t.test('pod lookup: UID mismatch refused, a missing pod refused, a late pod found', async (t) => {
  const e = await agentEnv(t, { podWaitMs: 30_000 })
  await e.waitReady()
  const ns = e.net.netns()
  const p = pod(e)
  const mismatch = await cni(
    e.settings.socket,
    env('ADD', `c-${rand()}`, ns.path, { ...p, uid: 'other' }),
    conf(e),
  )
  t.equal(mismatch.status, 500)
  t.match(mismatch.body, {
    code: 101,
    msg: new RegExp(`pod ${NS}/${p.name} has UID ${p.uid}, but the runtime asks for UID other`),
  })
  t.same(e.net.linksIn(ns.name), ['lo'], 'nothing attached')

  const quick = await agentEnv(t, { podWaitMs: 0 })
  await quick.waitReady()
  const missing = await cni(
    quick.settings.socket,
    env('ADD', `c-${rand()}`, ns.path, { name: 'ghost' }),
    conf(quick),
  )
  t.match(missing, { status: 500, body: { code: 101, msg: `pod ${NS}/ghost not found` } })
  quick.api.down = true
  const down = await cni(
    quick.settings.socket,
    env('ADD', `c-${rand()}`, ns.path, { name: 'ghost' }),
    conf(quick),
  )
  t.match(down, {
    status: 500,
    body: { code: 101, msg: new RegExp(`cannot read pod ${NS}/ghost: HTTP 503`) },
  })

  // The pod is bound after the runtime asked: the ADD waits for the watch to deliver it.
  const late = { name: `late-${rand()}`, uid: `uid-${rand(8)}` }
  const id = `c-${rand()}`
  const pending = cni(e.settings.socket, env('ADD', id, ns.path, late), conf(e))
  await e.api.until(() =>
    e.api.requests.some((r) => r.path.includes('/pods') && r.method === 'GET'),
  )
  e.api.addPod({ namespace: NS, ...late, node: 'mnag-node' })
  const add = await pending
  t.equal(add.status, 200, JSON.stringify(add.body))
  t.equal((await cni(e.settings.socket, env('DEL', id, ns.path, late), conf(e))).status, 200)
})

t.test('a corrupt plan: DEL frees the primary, logs, counts, and does not loop', async (t) => {
  const e = await agentEnv(t)
  await e.waitReady()
  const ns = e.net.netns()
  const p = pod(e)
  const id = `ctr-${rand(8)}`
  t.equal((await cni(e.settings.socket, env('ADD', id, ns.path, p), conf(e))).status, 200)
  t.equal(reserved(e).length, 1)
  const file = join(e.settings.stateDir, 'plans', `${id}.json`)
  writeFileSync(file, readFileSync(file, 'utf8').slice(0, 25))
  const del = await cni(e.settings.socket, env('DEL', id, ns.path, p), conf(e))
  t.equal(del.status, 200)
  t.same(reserved(e), [], "the primary's IP is released without the plan")
  t.same(e.net.linksIn(ns.name), ['lo'])
  t.match(
    e.logs.find(
      'plan file is corrupt; moved aside; deleting the primary network only (secondary attachments of this sandbox may leak)',
    ),
    [{ containerId: id, reason: /truncated/ }],
  )
  const again = await cni(e.settings.socket, env('DEL', id, ns.path, p), conf(e))
  t.equal(again.status, 200, 'the next DEL finds no plan')
  const metrics = await (await fetch(`http://127.0.0.1:${e.agent.healthPort}/metrics`)).text()
  t.match(metrics, /multinet_agent_plan_corrupt_total 1/)
})

t.test(
  'GC tears down sandboxes the runtime no longer has; a second ADD replaces the first',
  async (t) => {
    const e = await agentEnv(t)
    await e.waitReady()
    const ns1 = e.net.netns()
    const ns2 = e.net.netns()
    const p1 = pod(e)
    const p2 = pod(e)
    const id1 = `ctr-${rand(8)}`
    const id2 = `ctr-${rand(8)}`
    t.equal((await cni(e.settings.socket, env('ADD', id1, ns1.path, p1), conf(e))).status, 200)
    t.equal((await cni(e.settings.socket, env('ADD', id2, ns2.path, p2), conf(e))).status, 200)
    const again = await cni(e.settings.socket, env('ADD', id2, ns2.path, p2), conf(e))
    t.equal(again.status, 200, 'a repeated ADD tears down the earlier plan first')
    t.equal(
      e.logs.find('a plan exists for this container already: tearing it down before the new ADD')
        .length,
      1,
    )
    t.equal(reserved(e).length, 2)
    const gc = await cni(
      e.settings.socket,
      { CNI_COMMAND: 'GC' },
      { ...conf(e, '1.1.0'), 'cni.dev/valid-attachments': [{ containerID: id2, ifname: 'eth0' }] },
    )
    t.equal(gc.status, 200, JSON.stringify(gc.body))
    t.equal(reserved(e).length, 1, 'the stale sandbox released its IP')
    t.notOk(existsSync(join(e.settings.stateDir, 'plans', `${id1}.json`)))
    t.ok(existsSync(join(e.settings.stateDir, 'plans', `${id2}.json`)))
    t.equal((await cni(e.settings.socket, env('DEL', id2, ns2.path, p2), conf(e))).status, 200)
  },
)

t.test('network-status: conflicts are retried; a failed write rolls the ADD back', async (t) => {
  const e = await agentEnv(t)
  await e.waitReady()
  const ns = e.net.netns()
  const p = pod(e)
  e.api.conflictsToInject = 2
  const id = `ctr-${rand(8)}`
  const add = await cni(e.settings.socket, env('ADD', id, ns.path, p), conf(e))
  t.equal(add.status, 200, JSON.stringify(add.body))
  t.ok(e.api.pods.get(`${NS}/${p.name}`)!.metadata.annotations[ANNOTATIONS.networkStatus])
  t.equal(e.api.requests.filter((r) => r.method === 'PATCH').length, 3)
  t.equal((await cni(e.settings.socket, env('DEL', id, ns.path, p), conf(e))).status, 200)

  const p2 = pod(e)
  await until(() => e.agent.pods.cachedPod(NS, p2.name) !== undefined)
  e.api.conflictsToInject = 100
  const id2 = `ctr-${rand(8)}`
  const failed = await cni(e.settings.socket, env('ADD', id2, ns.path, p2), conf(e))
  t.equal(failed.status, 500)
  t.match(failed.body, {
    code: 101,
    msg: /cannot write k8s.v1.cni.cncf.io\/network-status on pod .*: HTTP 409/,
  })
  t.same(e.net.linksIn(ns.name), ['lo'], 'rolled back')
  t.same(reserved(e), [])
  e.api.conflictsToInject = 0

  const p3 = pod(e)
  await until(() => e.agent.pods.cachedPod(NS, p3.name) !== undefined)
  const id3 = `ctr-${rand(8)}`
  const pending = cni(e.settings.socket, env('ADD', id3, ns.path, p3), conf(e))
  e.api.deletePod(NS, p3.name)
  const gone = await pending
  // Deleted before the write (404: ADD succeeds, nothing to write to) or before the lookup.
  t.ok(gone.status === 200 || gone.body.code === 101, JSON.stringify(gone.body))
  await cni(e.settings.socket, env('DEL', id3, ns.path, p3), conf(e))
  t.same(e.net.linksIn(ns.name), ['lo'])
})

t.test(
  'bad annotations and unresolvable networks fail the ADD before any delegate runs',
  async (t) => {
    const e = await agentEnv(t)
    await e.waitReady()
    const ns = e.net.netns()
    const cases: [Record<string, string>, number, RegExp][] = [
      [
        { [ANNOTATIONS.networks]: 'a,,b' },
        7,
        /pod annotation k8s.v1.cni.cncf.io\/networks is invalid: networks\[1\]/,
      ],
      [{ [ANNOTATIONS.defaultNetwork]: 'a,b' }, 7, /v1.multus-cni.io\/default-network is invalid/],
      [
        { [ANNOTATIONS.networks]: 'missing' },
        102,
        /NetworkAttachmentDefinition team-b\/missing not found/,
      ],
    ]
    for (const [annotations, code, msg] of cases) {
      const p = pod(e, annotations)
      const id = `ctr-${rand(8)}`
      const add = await cni(e.settings.socket, env('ADD', id, ns.path, p), conf(e))
      t.match(
        add,
        { status: code === 7 ? 400 : 500, body: { code, msg } },
        JSON.stringify(annotations),
      )
      t.notOk(existsSync(join(e.settings.stateDir, 'plans', `${id}.json`)), 'no plan persisted')
    }
    t.same(e.net.linksIn(ns.name), ['lo'])
    t.same(reserved(e), [])
  },
)

t.test(
  'on-disk configs for spec-less NADs, physical-network masters, default-network override',
  async (t) => {
    const master = `mnav${rand(6)}`
    const e = await agentEnv(t, {}, { physicalNetworks: { 'phy-data': master } })
    await e.waitReady()
    const ns = e.net.netns()
    const real = e.net.veth()
    // The physical network's NIC: rename our veth end to the configured name.
    const { ip } = await import('./fixtures/host-net.js')
    ip('link', 'set', real, 'down')
    ip('link', 'set', real, 'name', master)
    ip('link', 'set', master, 'up')
    t.teardown(() => {
      try {
        ip('link', 'del', master)
      } catch {
        // removed with its peer
      }
    })
    const o = (e.octet + 7) % 250
    writeFileSync(
      join(e.settings.netConfDir, 'disk.conf'),
      JSON.stringify({
        cniVersion: '1.0.0',
        name: 'ondisk',
        type: 'macvlan',
        master,
        ipam: { type: 'static', addresses: [{ address: `10.252.${o}.30/24` }] },
      }),
    )
    e.api.addNad(NS, 'ondisk', undefined)
    e.api.addNad(
      NS,
      'phys',
      {
        cniVersion: '1.0.0',
        type: 'macvlan',
        ipam: { type: 'static', addresses: [{ address: `10.252.${o}.31/24` }] },
      },
      { [ANNOTATIONS.physicalNetwork]: 'phy-data' },
    )
    e.api.addNad(NS, 'alt', {
      cniVersion: '1.0.0',
      type: 'macvlan',
      master,
      ipam: { type: 'static', addresses: [{ address: `10.252.${o}.32/24` }] },
    })
    const p = pod(e, {
      [ANNOTATIONS.networks]: 'ondisk,phys',
      [ANNOTATIONS.defaultNetwork]: 'alt',
    })
    const id = `ctr-${rand(8)}`
    const add = await cni(e.settings.socket, env('ADD', id, ns.path, p), conf(e))
    t.equal(add.status, 200, JSON.stringify(add.body))
    t.same(
      e.net.addrsIn(ns.name, 'eth0'),
      [`10.252.${o}.32/24`],
      'eth0 from the default-network NAD',
    )
    t.same(e.net.addrsIn(ns.name, 'net1'), [`10.252.${o}.30/24`])
    t.same(e.net.addrsIn(ns.name, 'net2'), [`10.252.${o}.31/24`])
    const plan = JSON.parse(readFileSync(join(e.settings.stateDir, 'plans', `${id}.json`), 'utf8'))
    t.equal(plan.attachments[2].config.master, master)
    t.equal(plan.attachments[0].network, `${NS}/alt`)
    t.same(reserved(e), [], 'the cluster primary was not used')
    t.equal((await cni(e.settings.socket, env('DEL', id, ns.path, p), conf(e))).status, 200)
    t.same(e.net.linksIn(ns.name), ['lo'])
  },
)
