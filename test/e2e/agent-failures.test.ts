/**
 * The node agent when things go wrong, on a real node:
 * - agent stopped: a new pod stays ContainerCreating with a FailedCreatePodSandBox event that
 *   names the agent (it never starts without its networks), and starts once the agent is back;
 * - a failing second delegate: the first is rolled back (no interface, no reservation);
 * - `kill -9` of the agent while a delegate blocks in ADD, then a restarted agent: the pod
 *   starts, and after its deletion no link and no IP reservation is left;
 * - DEL with the API server stopped succeeds and frees everything (and again with an empty
 *   CNI_NETNS, the way containerd repeats it).
 */
import t, { type Test } from 'tap'
import { CoreV1Api } from '@kubernetes/client-node'
import { execFileSync, spawnSync } from 'node:child_process'
import { constants, existsSync, mkdirSync, openSync, closeSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { uniqueName } from '../fixtures/e2e/kube.js'
import { agentEnvironment, inSubnet } from '../fixtures/e2e/node/agent-env.js'
import {
  createPod,
  deletePod,
  NETWORKS,
  readPod,
  sleeperPod,
  waitEvent,
  waitRunning,
} from '../fixtures/e2e/node/pods.js'
import { TEST_PLUGIN } from '../fixtures/e2e/node/test-plugin.js'
import { waitFor } from './net.js'

const env = await agentEnvironment(t, 'test/e2e/agent-failures.test.ts')
const { admin, node, ns, agent } = env

const brSubnet = env.subnet()
const ipamDir = join(node.dir, 'nad-ipam')
await env.createNad('br', {
  cniVersion: '1.0.0',
  type: 'bridge',
  bridge: env.links.bridges[0],
  ipam: { type: 'host-local', dataDir: ipamDir, ranges: [[{ subnet: brSubnet }]] },
})
const failDir = join(node.dir, 'fail-plugin')
const blockDir = join(node.dir, 'block-plugin')
for (const d of [failDir, blockDir]) mkdirSync(d)
execFileSync('mkfifo', [join(blockDir, 'fifo')])
await env.createNad('failing', {
  cniVersion: '1.0.0',
  type: TEST_PLUGIN,
  mode: 'fail',
  dir: failDir,
})
await env.createNad('blocking', {
  cniVersion: '1.0.0',
  type: TEST_PLUGIN,
  mode: 'block',
  dir: blockDir,
})

/** Every IP reservation of br and the primary, with the sandbox id that holds it. */
const owners = (): { net: string; ip: string; containerId: string }[] => [
  ...node.reservationOwners(ipamDir, 'br').map((r) => ({ net: 'br', ...r })),
  ...node
    .reservationOwners(node.primary.dataDir, node.primary.name)
    .map((r) => ({ net: 'primary', ...r })),
]
/** Host-side veths attached to the test's bridges (a leaked attachment leaves one). */
const bridgePorts = (): string[] =>
  [env.links.bridges[0] ?? '', node.primary.bridge].flatMap((bridge) => {
    if (!existsSync(`/sys/class/net/${bridge}`)) return []
    const out = execFileSync('ip', ['-j', 'link', 'show', 'master', bridge], { encoding: 'utf8' })
    return (JSON.parse(out || '[]') as { ifname: string }[]).map((l) => `${bridge}:${l.ifname}`)
  })
/** Waits for a condition that the kubelet or agent reaches asynchronously (deadline: hangs only). */
const eventually = (what: string, check: () => boolean, describe = () => ''): Promise<boolean> =>
  waitFor(
    what,
    async () => (check() ? true : undefined),
    { timeoutMs: 90_000, intervalMs: 500 },
    describe,
  )

/**
 * What the host holds before a test; at its end nothing may be held beyond it. Each test also
 * deletes its pod on teardown, so one failing test cannot make the next one fail.
 */
function baseline(t: Test, pod: string) {
  const ips = new Set(owners().map((o) => `${o.net}/${o.ip}`))
  const ports = new Set(bridgePorts())
  t.teardown(() => deletePod(admin, ns, pod).catch(() => {}))
  const added = () => owners().filter((o) => !ips.has(`${o.net}/${o.ip}`))
  const newPorts = () => bridgePorts().filter((p) => !ports.has(p))
  return {
    added,
    newPorts,
    async nothingLeft(): Promise<void> {
      await eventually(
        'every reservation and veth of this test released',
        () => added().length === 0 && newPorts().length === 0,
        () => JSON.stringify({ added: added(), ports: newPorts() }),
      )
      t.same(added(), [], 'no IP left reserved (br, primary)')
      t.same(newPorts(), [], 'no veth left on the bridges')
    },
  }
}

t.test('with the agent stopped a pod waits in ContainerCreating, then starts', async (t) => {
  await agent.stop()
  const name = uniqueName('waits')
  const base = baseline(t, name)
  await createPod(admin, ns, sleeperPod(name, node.name, { [NETWORKS]: 'br' }))
  const event = await waitEvent(admin, ns, name, 'FailedCreatePodSandBox', /multinet/)
  t.match(event.message, /multinet agent/, `the event names the agent: ${event.message}`)
  const pending = await readPod(admin, ns, name)
  t.equal(pending.status?.phase, 'Pending', 'not started without its networks')
  t.equal(
    pending.status?.containerStatuses?.[0]?.state?.waiting?.reason,
    'ContainerCreating',
    'the container waits in ContainerCreating',
  )
  t.same(base.added(), [], 'nothing attached meanwhile')

  await agent.start()
  const pod = await waitRunning(admin, ns, name, 300_000)
  const seen = env.podNetwork(pod.metadata?.uid ?? '')
  t.same([...seen.links].sort(), ['eth0', 'net1'], 'started with its network')
  const net1 = seen.addrs.find((a) => a.ifname === 'net1' && a.family === 'inet')
  t.ok(inSubnet(net1?.local ?? '', brSubnet), `net1 ${net1?.local} in ${brSubnet}`)
  await deletePod(admin, ns, name)
  await base.nothingLeft()
})

t.test('a failing second delegate rolls back the first', async (t) => {
  const name = uniqueName('rollback')
  const base = baseline(t, name)
  await createPod(admin, ns, sleeperPod(name, node.name, { [NETWORKS]: 'br, failing' }))
  const event = await waitEvent(admin, ns, name, 'FailedCreatePodSandBox', /failing on purpose/)
  t.match(event.message, /failing on purpose/, 'the delegate error reaches the event')
  // A graceful stop lets the in-flight ADD (and its rollback) finish, and stops the retries.
  await agent.stop()
  const seen = readFileSync(join(failDir, 'seen'), 'utf8').trim().split('\n')
  const attempts = seen.map(
    (l) => JSON.parse(l) as { containerId: string; ifname: string; links: string },
  )
  const first = attempts[0]
  t.equal(first?.ifname, 'net2', 'the failing delegate was the second network')
  t.match(first?.links, /net1/, 'net1 existed when the second delegate ran')
  const tried = new Set(attempts.map((a) => a.containerId))
  t.same(
    owners().filter((o) => tried.has(o.containerId)),
    [],
    `the first delegate (and the primary) were rolled back in all ${tried.size} attempt(s): no IP held`,
  )
  t.same(base.added(), [], 'no reservation added by this pod')
  t.same(base.newPorts(), [], 'no veth left on the bridges')
  t.not((await readPod(admin, ns, name)).status?.phase, 'Running', 'the pod never ran')
  await agent.start()
  await deletePod(admin, ns, name)
  await base.nothingLeft()
})

t.test('kill -9 of the agent during ADD, then a restart: no link and no IP left', async (t) => {
  const name = uniqueName('killed')
  const base = baseline(t, name)
  await createPod(admin, ns, sleeperPod(name, node.name, { [NETWORKS]: 'br, blocking' }))
  await eventually('the blocking delegate to start', () => existsSync(join(blockDir, 'started')))
  const killed = readFileSync(join(blockDir, 'started'), 'utf8')
  t.ok(
    owners().some((o) => o.net === 'br' && o.containerId === killed),
    'the first delegate reserved its IP before the block',
  )
  await agent.kill9()
  // Release the orphaned delegate (non-blocking open: no reader, nothing to release).
  try {
    closeSync(openSync(join(blockDir, 'fifo'), constants.O_WRONLY | constants.O_NONBLOCK))
  } catch {
    // no reader left
  }
  await agent.start()
  const pod = await waitRunning(admin, ns, name, 300_000)
  const seen = env.podNetwork(pod.metadata?.uid ?? '')
  t.ok(seen.links.includes('net1'), 'the retried sandbox has net1')
  const running = node.sandbox(pod.metadata?.uid ?? '')?.id
  t.not(running, killed, 'the kubelet retried with a new sandbox')
  await eventually(
    'the killed attempt to release its IPs',
    () => owners().every((o) => o.containerId !== killed),
    () => JSON.stringify(owners()),
  )
  t.same(
    base.added().filter((o) => o.containerId !== running),
    [],
    'only the running sandbox holds IPs; the killed attempt left none',
  )
  await deletePod(admin, ns, name)
  await base.nothingLeft()
})

t.test('DEL with the API server stopped succeeds and frees everything', async (t) => {
  const name = uniqueName('offline')
  const base = baseline(t, name)
  await createPod(admin, ns, sleeperPod(name, node.name, { [NETWORKS]: 'br' }))
  const pod = await waitRunning(admin, ns, name)
  const uid = pod.metadata?.uid ?? ''
  const sandbox = node.sandbox(uid)
  if (sandbox === undefined) throw new Error('no sandbox')
  const held = () => owners().filter((o) => o.containerId === sandbox.id)
  t.equal(held().length, 2, 'the sandbox holds a br and a primary IP')
  const conflist = JSON.parse(readFileSync(agent.nodeConfigFile, 'utf8')) as {
    cniVersion: string
    name: string
    plugins: Record<string, unknown>[]
  }
  const stdin = JSON.stringify({
    cniVersion: conflist.cniVersion,
    name: conflist.name,
    ...conflist.plugins[0],
  })
  const del = (netns: string) =>
    spawnSync(join(node.cniBinDir, 'multinet'), [], {
      input: stdin,
      encoding: 'utf8',
      timeout: 120_000,
      env: {
        PATH: process.env.PATH,
        CNI_COMMAND: 'DEL',
        CNI_CONTAINERID: sandbox.id,
        CNI_NETNS: netns,
        CNI_IFNAME: 'eth0',
        CNI_PATH: node.cniBinDir,
        CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${ns};K8S_POD_NAME=${name};K8S_POD_INFRA_CONTAINER_ID=${sandbox.id};K8S_POD_UID=${uid}`,
      },
    })
  await env.cp.stopApiserver()
  try {
    const first = del(sandbox.netns)
    t.equal(first.status, 0, `shim DEL exit 0 (stdout ${first.stdout} stderr ${first.stderr})`)
    const left = env.podNetwork(uid)
    t.same(left.links, [], 'eth0 and net1 are gone from the netns')
    t.same(held(), [], 'its br and primary IPs are freed')
    const again = del('')
    t.equal(again.status, 0, `DEL again with an empty CNI_NETNS: exit 0 (${again.stdout})`)
  } finally {
    await env.cp.startApiserver()
  }
  await deletePod(admin, ns, name)
  await base.nothingLeft()
})

t.test('the API server answers the test again', async (t) => {
  const list = await admin.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: ns })
  t.ok(Array.isArray(list.items))
})
