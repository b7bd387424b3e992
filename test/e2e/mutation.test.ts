/**
 * Network-aware scheduling end to end: pods created through the API server are stored with the
 * injected device resources, node selectors and podnetinfo volume; a pod whose own nodeSelector
 * conflicts with its network's is rejected with both values.
 */
import t from 'tap'
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node'
import { withControlPlane } from '../fixtures/e2e/control-plane.js'
import { createNad, createNamespace, nad, refusal } from '../fixtures/e2e/kube.js'
import { registerWebhooks, startWebhook } from '../fixtures/e2e/webhook.js'
import { WEBHOOK_USER } from './identities.js'
import { waitFor } from './net.js'

const cp = await withControlPlane(t)
const admin = cp.kubeConfig('admin')
const core = admin.makeApiClient(CoreV1Api)
const hook = await startWebhook(t, cp, WEBHOOK_USER)
await registerWebhooks(cp, hook, 'multinet-e2e')
const ns = await createNamespace(admin, 'nfv')

const withAnnotations = (n: ReturnType<typeof nad>, annotations: Record<string, string>) => ({
  ...n,
  metadata: { ...n.metadata, annotations },
})
await createNad(
  admin,
  ns,
  withAnnotations(nad('sriov-a', { cniVersion: '1.0.0', type: 'sriov' }), {
    'k8s.v1.cni.cncf.io/resourceName': 'intel.com/sriov_a',
  }),
)
await createNad(
  admin,
  ns,
  withAnnotations(nad('ctl', { cniVersion: '1.0.0', type: 'macvlan', master: 'eth1' }), {
    'k8s.v1.cni.cncf.io/nodeSelector': 'multinet.io/zone=edge',
    'multinet.io/physical-network': 'physnet-ctl',
  }),
)

const pod = (name: string, networks: string, spec: Partial<V1Pod['spec']> = {}): V1Pod => ({
  metadata: { name, annotations: { 'k8s.v1.cni.cncf.io/networks': networks } },
  spec: {
    containers: [
      { name: 'app', image: 'registry.example/app:1', resources: { requests: { cpu: '1' } } },
      { name: 'sidecar', image: 'registry.example/side:1' },
    ],
    ...spec,
  },
})

// The mutating configuration is live once a probe pod comes back patched.
await waitFor(
  'mutating webhook active',
  async () => {
    const p = await core.createNamespacedPod({
      namespace: ns,
      body: pod(`probe-${Date.now()}`, 'ctl'),
      dryRun: 'All',
    })
    return p.spec?.nodeSelector ? true : undefined
  },
  { timeoutMs: 15_000, intervalMs: 250 },
)

t.test('the stored pod carries resources, node selectors and the podnetinfo volume', async (t) => {
  await core.createNamespacedPod({
    namespace: ns,
    body: pod('vrouter', 'sriov-a@data0,sriov-a@data1,ctl@ctl0'),
  })
  const stored = await core.readNamespacedPod({ name: 'vrouter', namespace: ns })
  const [app, sidecar] = stored.spec!.containers
  t.equal(app?.resources?.requests?.['intel.com/sriov_a'], '2', 'one unit per selection')
  t.equal(app?.resources?.limits?.['intel.com/sriov_a'], '2')
  t.equal(app?.resources?.requests?.cpu, '1', "the user's own request is untouched")
  t.notOk(
    sidecar?.resources?.requests?.['intel.com/sriov_a'],
    'only the first container receives devices',
  )
  t.same(stored.spec?.nodeSelector, {
    'multinet.io/zone': 'edge',
    'physnet.multinet.io/physnet-ctl': 'true',
  })
  for (const c of stored.spec!.containers) {
    t.ok(
      c.volumeMounts?.some(
        (m) => m.name === 'podnetinfo' && m.mountPath === '/etc/podnetinfo' && m.readOnly,
      ),
      `${c.name} mounts podnetinfo`,
    )
  }
  const volume = stored.spec?.volumes?.find((v) => v.name === 'podnetinfo')
  t.ok(volume?.downwardAPI?.items?.some((i) => i.fieldRef?.fieldPath === 'metadata.annotations'))
})

t.test('a resource the user declared is left as written', async (t) => {
  const body = pod('declared', 'sriov-a')
  body.spec!.containers[1]!.resources = {
    requests: { 'intel.com/sriov_a': '3' },
    limits: { 'intel.com/sriov_a': '3' },
  }
  await core.createNamespacedPod({ namespace: ns, body })
  const stored = await core.readNamespacedPod({ name: 'declared', namespace: ns })
  t.notOk(stored.spec!.containers[0]?.resources?.requests?.['intel.com/sriov_a'])
  t.equal(stored.spec!.containers[1]?.resources?.requests?.['intel.com/sriov_a'], '3')
})

t.test('the resource-container annotation picks who receives the devices', async (t) => {
  const body = pod('picked', 'sriov-a')
  body.metadata!.annotations!['multinet.io/resource-container'] = 'sidecar'
  await core.createNamespacedPod({ namespace: ns, body })
  const stored = await core.readNamespacedPod({ name: 'picked', namespace: ns })
  t.equal(stored.spec!.containers[1]?.resources?.limits?.['intel.com/sriov_a'], '1')
  t.notOk(stored.spec!.containers[0]?.resources?.limits?.['intel.com/sriov_a'])
})

t.test('a conflicting nodeSelector is rejected naming both values', async (t) => {
  const message = await refusal(
    core.createNamespacedPod({
      namespace: ns,
      body: pod('conflict', 'ctl', { nodeSelector: { 'multinet.io/zone': 'core' } }),
    }),
  )
  t.match(message, /pods\.mutate\.multinet\.io/)
  t.match(message, /pod\.node-selector-conflict/)
  t.match(message, /core/)
  t.match(message, /edge/)
})

t.test('a pod without networks is stored untouched', async (t) => {
  const created = await core.createNamespacedPod({
    namespace: ns,
    body: {
      metadata: { name: 'plain' },
      spec: { containers: [{ name: 'c', image: 'registry.example/app:1' }] },
    },
  })
  t.notOk(created.spec?.volumes?.some((v) => v.name === 'podnetinfo'))
  t.notOk(created.spec?.nodeSelector)
})
