/**
 * The real-node harness itself: containerd + runc + a kubelet registered to the e2e control
 * plane, the plain bridge conflist as the node's CNI config. A pod bound to the node runs with
 * an IP from the bridge's subnet; deleting it frees the IP; stopping the node leaves nothing on
 * the host (no mounts, processes, cgroups, netns, links; sysctls as they were), also when the
 * test process is ended by SIGINT or SIGKILL instead (the watchdogs restore the host).
 */
import t from 'tap'
import { CoreV1Api } from '@kubernetes/client-node'
import { existsSync, readFileSync } from 'node:fs'
import { withControlPlane } from '../fixtures/e2e/control-plane.js'
import { createNamespace, uniqueName } from '../fixtures/e2e/kube.js'
import {
  addressesIn,
  createPod,
  deletePod,
  sleeperPod,
  waitRunning,
} from '../fixtures/e2e/node/pods.js'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { requireRoot, startNode } from './node/node.js'
import { leftovers, SYSCTLS, type HostSnapshot } from './node/host.js'
import { waitFor } from './net.js'

requireRoot('test/e2e/node.test.ts')
t.setTimeout(600_000)

const cp = await withControlPlane(t)
const admin = cp.kubeConfig('admin')

const sysctl = (name: string): string | undefined => {
  try {
    return readFileSync(`/proc/sys/${name.replaceAll('.', '/')}`, 'utf8').trim()
  } catch {
    return undefined
  }
}

t.test('a pod runs on the real node and its IP is freed on delete', async (t) => {
  const before = Object.fromEntries(SYSCTLS.map((s) => [s, sysctl(s)]))
  const node = await startNode(cp)
  let stopped = false
  t.teardown(async () => {
    if (!stopped) {
      if (!t.passing()) console.error(node.logTails(80))
      await node.stop()
    }
  })
  const core = admin.makeApiClient(CoreV1Api)
  const registered = await core.readNode({ name: node.name })
  t.equal(registered.status?.nodeInfo?.containerRuntimeVersion?.split(':')[0], 'containerd')
  t.match(registered.status?.nodeInfo?.kubeletVersion, /^v1\.\d+\.\d+/)

  const ns = await createNamespace(admin, 'node')
  const name = uniqueName('sleeper')
  await createPod(admin, ns, sleeperPod(name, node.name))
  const pod = await waitRunning(admin, ns, name)
  const ip = pod.status?.podIP ?? ''
  const prefix = node.primary.subnet.replace(/\.0\/24$/, '.')
  t.ok(ip.startsWith(prefix), `pod IP ${ip} is in the bridge subnet ${node.primary.subnet}`)

  const netns = node.sandboxNetns(pod.metadata?.uid ?? '')
  t.ok(netns, 'the sandbox has a network namespace')
  const seen = addressesIn(node.inNetns, netns ?? '')
  t.same(seen.links, ['eth0'], 'one interface besides lo')
  t.ok(
    seen.addrs.some((a) => a.ifname === 'eth0' && a.local === ip && a.prefixlen === 24),
    `eth0 has ${ip}/24`,
  )
  t.same(node.reservations(node.primary.dataDir, node.primary.name), [ip], 'host-local reserved it')

  await deletePod(admin, ns, name)
  t.same(node.reservations(node.primary.dataDir, node.primary.name), [], 'reservation freed')
  t.notOk(netns !== undefined && existsSync(netns), 'sandbox netns removed')

  await node.stop()
  stopped = true
  t.same(
    node.leftovers(),
    [],
    'nothing left on the host (mounts, processes, cgroups, netns, links, dirs)',
  )
  const after = Object.fromEntries(SYSCTLS.map((s) => [s, sysctl(s)]))
  t.same(after, before, 'sysctls restored')
})

for (const signal of ['SIGINT', 'SIGKILL'] as const) {
  t.test(
    `a test process ended by ${signal} leaves nothing behind (the watchdogs clean up)`,
    async (t) => {
      const child = spawn(
        process.execPath,
        [...process.execArgv, join(import.meta.dirname, '../fixtures/e2e/node/node-child.ts')],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      )
      const exited = new Promise((resolve) => child.once('exit', resolve))
      t.teardown(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      })
      const line = await new Promise<string>((resolve, reject) => {
        const rl = createInterface({ input: child.stdout })
        rl.once('line', resolve)
        child.once('exit', (code) => reject(new Error(`node-child exited (${code}) before ready`)))
      })
      const info = JSON.parse(line) as {
        snapshot: HostSnapshot
        dir: string
        bridge: string
        cgroupRoot: string
        netns: string
      }
      t.ok(existsSync(info.netns), 'the pod sandbox netns exists while the node runs')
      child.kill(signal)
      await exited
      const target = {
        dir: info.dir,
        cgroupRoot: info.cgroupRoot,
        links: [info.bridge],
        keepDir: false,
      }
      let left: string[] = []
      await waitFor(
        'the watchdogs to restore the host',
        async () => {
          left = leftovers(info.snapshot, target)
          return left.length === 0 && !existsSync(info.netns) ? true : undefined
        },
        { timeoutMs: 60_000, intervalMs: 500 },
        () => left.join('\n'),
      )
      t.same(left, [], 'no process, mount, cgroup, netns, link, sysctl change or dir left')
      t.notOk(existsSync(info.netns), 'sandbox netns removed')
    },
  )
}
