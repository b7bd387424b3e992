/**
 * The node agent on a real node: the kubelet and containerd call the shim, the shim calls the
 * agent, the agent runs the delegates. A pod admitted by the webhook with three networks
 * (bridge + host-local; macvlan on a veth master with static IPAM; a bridge + tuning conflist)
 * runs with every interface and address in its network namespace as planned, network-status
 * says the same, and deleting the pod removes every interface and reservation. The agent's
 * node-bound credentials cannot write network-status for a pod on another node.
 */
import t from 'tap'
import { CoreV1Api } from '@kubernetes/client-node'
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createNad, nad, refusal, uniqueName } from '../fixtures/e2e/kube.js'
import { waitFor } from './net.js'
import {
  agentEnvironment,
  hostIn,
  inSubnet,
  networkStatus,
} from '../fixtures/e2e/node/agent-env.js'
import {
  createPod,
  deletePod,
  NETWORK_STATUS,
  NETWORKS,
  sleeperPod,
  waitRunning,
} from '../fixtures/e2e/node/pods.js'
import { KubeConfig } from '@kubernetes/client-node'

const env = await agentEnvironment(t, 'test/e2e/agent.test.ts')
const { admin, node, ns } = env

const brSubnet = env.subnet()
const mvSubnet = env.subnet()
const tunedSubnet = env.subnet()
const ipamDir = join(node.dir, 'nad-ipam')
const TUNED_MAC = 'c2:11:22:33:44:55'

await env.createNad('br', {
  cniVersion: '1.0.0',
  type: 'bridge',
  bridge: env.links.bridges[0],
  ipam: { type: 'host-local', dataDir: ipamDir, ranges: [[{ subnet: brSubnet }]] },
})
await env.createNad('mv', {
  cniVersion: '1.0.0',
  type: 'macvlan',
  master: env.links.master,
  mode: 'bridge',
  ipam: { type: 'static', addresses: [{ address: `${hostIn(mvSubnet, 10)}/24` }] },
})
await env.createNad('tuned', {
  cniVersion: '1.0.0',
  name: 'tuned',
  plugins: [
    {
      type: 'bridge',
      bridge: env.links.bridges[1],
      ipam: { type: 'host-local', dataDir: ipamDir, ranges: [[{ subnet: tunedSubnet }]] },
    },
    { type: 'tuning', mac: TUNED_MAC },
  ],
})

// A NAD on the physical network phy-data: no master in its config; the agent uses the NIC its
// --physical-networks map names for this node (the veth above), and labels the Node with it.
const phySubnet = env.subnet()
const phyNad = nad('phy', {
  cniVersion: '1.0.0',
  type: 'macvlan',
  mode: 'bridge',
  ipam: { type: 'static', addresses: [{ address: `${hostIn(phySubnet, 20)}/24` }] },
})
Object.assign(phyNad.metadata, { annotations: { 'multinet.io/physical-network': 'phy-data' } })
await createNad(admin, ns, phyNad)

const reserved = (network: string): string[] => node.reservations(ipamDir, network)
const primaryReserved = (): string[] => node.reservations(node.primary.dataDir, node.primary.name)

t.test('a pod with three networks gets them all, as planned and reported', async (t) => {
  const name = uniqueName('three')
  t.teardown(() => deletePod(admin, ns, name).catch(() => {}))
  await createPod(admin, ns, sleeperPod(name, node.name, { [NETWORKS]: 'br, mv, tuned' }))
  const pod = await waitRunning(admin, ns, name)
  const uid = pod.metadata?.uid ?? ''
  const seen = env.podNetwork(uid)
  t.same([...seen.links].sort(), ['eth0', 'net1', 'net2', 'net3'], 'eth0 + one per network')

  const v4 = (ifname: string): string[] =>
    seen.addrs.filter((a) => a.ifname === ifname && a.family === 'inet').map((a) => a.local)
  t.ok(inSubnet(v4('eth0')[0] ?? '', node.primary.subnet), `eth0 ${v4('eth0')} is primary`)
  t.equal(pod.status?.podIP, v4('eth0')[0], 'the pod IP is the primary one')
  t.ok(inSubnet(v4('net1')[0] ?? '', brSubnet), `net1 ${v4('net1')} is in br ${brSubnet}`)
  t.same(v4('net2'), [hostIn(mvSubnet, 10)], 'net2 has the static address')
  t.ok(inSubnet(v4('net3')[0] ?? '', tunedSubnet), `net3 ${v4('net3')} is in ${tunedSubnet}`)

  const link = (ifname: string) =>
    (
      JSON.parse(node.inNetns(seen.netns, ['ip', '-j', '-d', 'link', 'show', ifname])) as {
        address: string
        linkinfo?: { info_kind?: string; info_data?: { mode?: string } }
      }[]
    )[0]
  t.equal(link('net2')?.linkinfo?.info_kind, 'macvlan', 'net2 is a macvlan')
  t.equal(link('net2')?.linkinfo?.info_data?.mode, 'bridge')
  t.equal(link('net3')?.address, TUNED_MAC, 'tuning set the MAC of net3')

  // network-status, written by the agent, says the same as the namespace.
  const status = await networkStatus(admin, ns, name)
  const byIf = new Map(status.map((s) => [s.interface, s]))
  t.equal(status.length, 4, JSON.stringify(status))
  t.equal(byIf.get('eth0')?.default, true, 'the primary is the default')
  t.same(byIf.get('eth0')?.ips, v4('eth0'))
  t.equal(byIf.get('net1')?.name, `${ns}/br`)
  t.same(byIf.get('net1')?.ips, v4('net1'))
  t.equal(byIf.get('net2')?.name, `${ns}/mv`)
  t.same(byIf.get('net2')?.ips, v4('net2'))
  t.equal(byIf.get('net3')?.name, `${ns}/tuned`)
  t.same(byIf.get('net3')?.ips, v4('net3'))
  t.equal(byIf.get('net3')?.mac, TUNED_MAC)
  for (const [ifname, entry] of byIf) {
    if (entry.mac === undefined) continue
    t.equal(entry.mac, link(ifname ?? '')?.address, `${ifname}: reported MAC is the real one`)
  }

  t.same(reserved(`br`).length, 1, 'br reserved one IP')
  t.same(reserved(`tuned`).length, 1, 'tuned reserved one IP')
  t.same(primaryReserved().length, 1, 'the primary reserved one IP')

  await deletePod(admin, ns, name)
  t.notOk(existsSync(seen.netns), 'the sandbox netns is gone')
  t.same(reserved('br'), [], 'br reservation freed')
  t.same(reserved('tuned'), [], 'tuned reservation freed')
  t.same(primaryReserved(), [], 'primary reservation freed')
})

t.test('a NAD on a physical network rides on the NIC the node maps it to', async (t) => {
  const core = admin.makeApiClient(CoreV1Api)
  const label = 'physnet.multinet.io/phy-data'
  const labels = await waitFor(
    `node label ${label}`,
    async () => {
      const l = (await core.readNode({ name: node.name })).metadata?.labels ?? {}
      return label in l ? l : undefined
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  )
  t.equal(labels[label], 'true', 'the agent labelled the node with its physical network')

  const name = uniqueName('phy')
  t.teardown(() => deletePod(admin, ns, name).catch(() => {}))
  const created = await createPod(admin, ns, sleeperPod(name, node.name, { [NETWORKS]: 'phy' }))
  t.equal(
    created.spec?.nodeSelector?.[label],
    'true',
    'the webhook made the pod select nodes with that physical network',
  )
  const pod = await waitRunning(admin, ns, name)
  const seen = env.podNetwork(pod.metadata?.uid ?? '')
  const net1 = (
    JSON.parse(node.inNetns(seen.netns, ['ip', '-j', '-d', 'link', 'show', 'net1'])) as {
      link_index?: number
      linkinfo?: { info_kind?: string }
    }[]
  )[0]
  t.equal(net1?.linkinfo?.info_kind, 'macvlan', 'net1 is a macvlan')
  const masterIndex = Number(
    execFileSync('cat', [`/sys/class/net/${env.links.master}/ifindex`], { encoding: 'utf8' }),
  )
  t.equal(net1?.link_index, masterIndex, `its parent is the mapped NIC ${env.links.master}`)
  t.ok(
    seen.addrs.some((a) => a.ifname === 'net1' && a.local === hostIn(phySubnet, 20)),
    'with its static address',
  )
  await deletePod(admin, ns, name)
  t.notOk(existsSync(seen.netns), 'gone with the pod')
})

t.test("the agent's credentials cannot write network-status on another node's pod", async (t) => {
  const core = admin.makeApiClient(CoreV1Api)
  const name = uniqueName('elsewhere')
  // Never runs (no such node); the API server accepts a pod bound to any node name.
  await core.createNamespacedPod({ namespace: ns, body: sleeperPod(name, 'mne2e-other-node') })
  const agentKc = new KubeConfig()
  agentKc.loadFromFile(env.agentKubeconfig)
  const status = JSON.stringify([{ name: 'mne2e-primary', interface: 'eth0', ips: ['10.253.0.9'] }])
  const asAgent = agentKc.makeApiClient(CoreV1Api)
  const pod = await asAgent.readNamespacedPod({ namespace: ns, name })
  pod.metadata = {
    ...pod.metadata,
    annotations: { ...pod.metadata?.annotations, [NETWORK_STATUS]: status },
  }
  const message = await refusal(asAgent.replaceNamespacedPod({ namespace: ns, name, body: pod }))
  t.match(message, /pod\.network-status-forged/, 'the webhook refused it')
  t.match(message, new RegExp(`the agent of node ${node.name} may only write the status of pods`))
  await core.deleteNamespacedPod({ namespace: ns, name, gracePeriodSeconds: 0 })
})
