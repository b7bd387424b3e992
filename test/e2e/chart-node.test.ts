/**
 * The chart's agent on a real node (kubelet + containerd, test/e2e/node): the image built by
 * scripts/image-build.sh is imported into the node's containerd, and the pod of the chart's
 * DaemonSet, exactly as rendered for this node's folders, runs there (the test creates it as the
 * DaemonSet controller would: the template with spec.nodeName; no controllers run here). The
 * agent in it installs the shim and the node config, a pod gets its secondary network, and the
 * pod of the uninstall hook's cleanup DaemonSet takes the node config and the shim away again.
 *
 * The agent's credentials are the chart's service account with the chart's RBAC, through a
 * node-bound token in a kubeconfig on the state hostPath (--kubeconfig via agent.extraArgs):
 * in-cluster config would dial the `kubernetes` Service's cluster IP, which nothing serves here.
 */
import t from 'tap'
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node'
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { withControlPlane } from '../fixtures/e2e/control-plane.js'
import { createNad, createNamespace, nad } from '../fixtures/e2e/kube.js'
import { withNode } from '../fixtures/e2e/node/node.js'
import { createPod, sleeperPod, waitRunning } from '../fixtures/e2e/node/pods.js'
import { networkStatus } from '../fixtures/e2e/node/agent-env.js'
import { registerWebhooks, startWebhook } from '../fixtures/e2e/webhook.js'
import { createAll, ensureNamespace } from '../fixtures/chart/cluster.js'
import {
  CHART_DIR,
  helm,
  KUBE_VERSION,
  one,
  parseManifests,
  type K8sObject,
} from '../fixtures/chart/helm.js'
import { kubeconfigYaml, WEBHOOK_USER } from './identities.js'
import { freePort, probe, waitFor } from './net.js'
import { requireRoot, SYSTEM_CNI_DIR } from './node/node.js'

requireRoot('test/e2e/chart-node.test.ts')
t.setTimeout(900_000)

const IMAGE = process.env.MULTINET_IMAGE ?? 'localhost/multinet:dev'
const NS = 'multinet-system'

const cp = await withControlPlane(t)
const admin = cp.kubeConfig('admin')
const core = admin.makeApiClient(CoreV1Api)
const hook = await startWebhook(t, cp, WEBHOOK_USER)
await registerWebhooks(cp, hook, 'multinet-e2e')
const bridge = `mne2ech${Math.floor(Math.random() * 0xffff).toString(16)}`
const node = await withNode(t, cp, { primary: 'aside', links: [bridge] })

const archive = join(node.dir, 'multinet-image.tar')
execFileSync('buildah', ['push', '--quiet', IMAGE, `oci-archive:${archive}:${IMAGE}`])
node.ctr(['-n', 'k8s.io', 'images', 'import', archive])

const stateDir = join(node.dir, 'chart-agent/state')
const healthPort = await freePort()
const runDir = join(node.dir, 'chart-agent/run')
for (const d of [stateDir, runDir]) mkdirSync(d, { recursive: true })
const [repository, tag] = IMAGE.split(':') as [string, string]
const valuesFile = join(node.dir, 'chart-values.yaml')
writeFileSync(
  valuesFile,
  stringify({
    image: { repository, tag, pullPolicy: 'Never' },
    agent: {
      cniBinDir: node.cniBinDir,
      // The node's bin dir links the standard plugins from Debian's folder.
      extraCniBinDirs: [SYSTEM_CNI_DIR],
      cniConfDir: node.cniConfDir,
      // The harness keeps the primary's conflist outside the conf dir; the agent reads it from
      // a folder it has mounted (on a real node it is a file of the conf dir).
      primaryConfig: join(stateDir, 'primary.conflist'),
      stateDir,
      runDir,
      netConfDir: join(node.dir, 'chart-agent/net.d'),
      // The harness's host-local leases live under the node's folder, not /var/lib/cni.
      cniStateDir: join(node.dir, 'cni'),
      podResourcesSocket: node.podResourcesSocket,
      healthPort,
      logLevel: 'debug',
      extraArgs: [`--kubeconfig=${join(stateDir, 'kubeconfig')}`],
    },
  }),
)
const rendered = await helm([
  'template',
  'multinet',
  CHART_DIR,
  '--namespace',
  NS,
  '--kube-version',
  KUBE_VERSION,
  '-f',
  valuesFile,
])
t.equal(rendered.code, 0, rendered.stderr)
const objects = parseManifests(rendered.stdout)

/** The pod a DaemonSet controller would make on this node from `ds`. */
function podOf(ds: K8sObject, name: string): V1Pod {
  const template = (ds.spec as { template: V1Pod }).template
  return {
    metadata: { ...template.metadata, name, namespace: NS },
    spec: { ...template.spec, nodeName: node.name } as V1Pod['spec'],
  }
}

t.test("the chart's agent pod runs from the image and attaches a pod", async (t) => {
  await ensureNamespace(admin, NS)
  await createAll(
    admin,
    objects.filter(
      (o) =>
        o.metadata.labels?.['app.kubernetes.io/component'] === 'agent' &&
        ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind),
    ),
  )
  const token = await core.createNamespacedServiceAccountToken({
    namespace: NS,
    name: 'multinet-agent',
    body: {
      spec: {
        audiences: [],
        expirationSeconds: 3600,
        boundObjectRef: { kind: 'Node', apiVersion: 'v1', name: node.name },
      },
    },
  })
  writeFileSync(
    join(stateDir, 'kubeconfig'),
    kubeconfigYaml(cp.apiUrl, cp.caPem, 'multinet-agent', { token: token.status?.token ?? '' }),
    { mode: 0o600 },
  )
  copyFileSync(node.primary.file, join(stateDir, 'primary.conflist'))
  const ds = one(objects, 'DaemonSet', 'multinet-agent')
  await core.createNamespacedPod({ namespace: NS, body: podOf(ds, 'multinet-agent-node') })
  let readyz = ''
  await waitFor(
    'the agent pod Ready',
    async () => {
      readyz = (await probe(`http://127.0.0.1:${healthPort}/readyz`)).body
      const p = await core.readNamespacedPod({ namespace: NS, name: 'multinet-agent-node' })
      return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
        ? true
        : undefined
    },
    { timeoutMs: 180_000, intervalMs: 1000 },
    () => `agent /readyz: ${readyz}`,
  )
  t.ok(existsSync(join(node.cniBinDir, 'multinet')), 'the shim is installed')
  t.ok(existsSync(join(node.cniConfDir, '00-multinet.conflist')), 'the node config is written')
  await node.waitReady()

  const ns = await createNamespace(admin, 'chartnode')
  await createNad(
    admin,
    ns,
    nad('lan', {
      cniVersion: '1.0.0',
      type: 'bridge',
      bridge,
      ipam: {
        type: 'host-local',
        dataDir: join(node.dir, 'cni/ipam'),
        ranges: [[{ subnet: '10.254.77.0/24' }]],
      },
    }),
  )
  await createPod(
    admin,
    ns,
    sleeperPod('attached', node.name, { 'k8s.v1.cni.cncf.io/networks': 'lan' }),
  )
  await waitRunning(admin, ns, 'attached').catch(async (err: unknown) => {
    const logs = await core.readNamespacedPodLog({ namespace: NS, name: 'multinet-agent-node' })
    throw new Error(`${String(err)}\nagent log (tail):\n${logs.slice(-4000)}`, { cause: err })
  })
  const status = await waitFor(
    'network-status written by the agent',
    async () => {
      const entries = await networkStatus(admin, ns, 'attached')
      return entries.length === 2 ? entries : undefined
    },
    { timeoutMs: 60_000 },
  )
  t.equal(status[1]?.name, `${ns}/lan`)
  t.match(status[1]?.ips?.[0], /^10\.254\.77\./)
  await core.deleteNamespacedPod({ namespace: ns, name: 'attached', gracePeriodSeconds: 0 })
  await waitFor(
    'the attached pod gone',
    async () =>
      (await core.readNamespacedPod({ namespace: ns, name: 'attached' }).then(
        () => false,
        () => true,
      ))
        ? true
        : undefined,
    { timeoutMs: 60_000 },
  )
})

t.test('the uninstall cleanup pod takes the node config and the shim away', async (t) => {
  await core.deleteNamespacedPod({ namespace: NS, name: 'multinet-agent-node' })
  await waitFor(
    'the agent pod gone',
    async () =>
      (await core.readNamespacedPod({ namespace: NS, name: 'multinet-agent-node' }).then(
        () => false,
        () => true,
      ))
        ? true
        : undefined,
    { timeoutMs: 120_000, intervalMs: 1000 },
  )
  t.ok(existsSync(join(node.cniConfDir, '00-multinet.conflist')), 'a stopped agent leaves it')
  const job = one(objects, 'Job', 'multinet-cleanup') as unknown as {
    spec: { template: { spec: { containers: { env: { name: string; value: string }[] }[] } } }
  }
  const env = job.spec.template.spec.containers[0]?.env ?? []
  const cleanup = JSON.parse(
    env.find((e) => e.name === 'CLEANUP_DAEMONSET')?.value ?? '{}',
  ) as K8sObject
  await core.createNamespacedPod({ namespace: NS, body: podOf(cleanup, 'multinet-node-cleanup') })
  await waitFor(
    'the cleanup pod Ready',
    async () => {
      const p = await core.readNamespacedPod({ namespace: NS, name: 'multinet-node-cleanup' })
      return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
        ? true
        : undefined
    },
    { timeoutMs: 120_000, intervalMs: 1000 },
  )
  t.notOk(existsSync(join(node.cniConfDir, '00-multinet.conflist')), 'node config removed')
  t.notOk(existsSync(join(node.cniBinDir, 'multinet')), 'shim removed')
  await core.deleteNamespacedPod({
    namespace: NS,
    name: 'multinet-node-cleanup',
    gracePeriodSeconds: 0,
  })
})
