/**
 * Issue 11's security holes, end to end on a real kube-apiserver with the real webhook process:
 * - item 3: pods/status cannot change `k8s.v1.cni.cncf.io/networks` or
 *   `v1.multus-cni.io/default-network` (the status subresource writes annotations too);
 * - item 2: only the agent may remove `k8s.v1.cni.cncf.io/network-status`;
 * - item 1: an invalid policy ConfigMap written while the webhook was stopped never opens
 *   anything after a restart (its last valid copy applies), and one with no valid copy fails
 *   closed (pods with networks refused naming it, /readyz not ready) while a valid ConfigMap
 *   next to it still applies.
 */
import t from 'tap'
import {
  AdmissionregistrationV1Api,
  CoreV1Api,
  type V1ConfigMap,
  type V1Pod,
} from '@kubernetes/client-node'
import { withControlPlane } from '../fixtures/e2e/control-plane.js'
import {
  createNad,
  createNamespace,
  grantClusterRole,
  nad,
  refusal,
  uniqueName,
} from '../fixtures/e2e/kube.js'
import {
  POLICY_NAMESPACE,
  POLICY_STORE,
  registerWebhooks,
  startWebhook,
  type RunningWebhook,
} from '../fixtures/e2e/webhook.js'
import { AGENT_USER, WEBHOOK_USER } from './identities.js'
import { LOOPBACK, probe, waitFor } from './net.js'

const NETWORKS = 'k8s.v1.cni.cncf.io/networks'
const DEFAULT_NETWORK = 'v1.multus-cni.io/default-network'
const STATUS = 'k8s.v1.cni.cncf.io/network-status'
const CONFIG = 'multinet-e2e-hardening'

const cp = await withControlPlane(t)
const admin = cp.kubeConfig('admin')
const core = admin.makeApiClient(CoreV1Api)
const registration = admin.makeApiClient(AdmissionregistrationV1Api)
await core.createNamespace({ body: { metadata: { name: POLICY_NAMESPACE } } })
let hook = await startWebhook(t, cp, WEBHOOK_USER)
await registerWebhooks(cp, hook, CONFIG)
const app = await createNamespace(admin, 'app')
const netns = await createNamespace(admin, 'net')
await createNad(admin, app, nad('own', { cniVersion: '1.0.0', type: 'bridge' }))
await createNad(admin, app, nad('other', { cniVersion: '1.0.0', type: 'bridge' }))
await createNad(admin, netns, nad('shared', { cniVersion: '1.0.0', type: 'bridge' }))
await grantClusterRole(
  admin,
  'multinet-agent-hardening-e2e',
  [{ apiGroups: [''], resources: ['pods', 'pods/status'], verbs: ['get', 'update', 'patch'] }],
  [{ kind: 'User', name: AGENT_USER, apiGroup: 'rbac.authorization.k8s.io' }],
)

const podBody = (name: string, networks: string): V1Pod => ({
  metadata: { name, annotations: { [NETWORKS]: networks } },
  spec: { containers: [{ name: 'c', image: 'registry.example/app:1' }] },
})
const withAnnotations = (pod: V1Pod, change: (a: Record<string, string>) => void): V1Pod => {
  const annotations = { ...pod.metadata?.annotations }
  change(annotations)
  return { ...pod, metadata: { ...pod.metadata, annotations } }
}

/** Waits until the webhook answers pod creates (a fresh registration takes a moment). */
async function webhookActive(): Promise<void> {
  await waitFor(
    'webhook active',
    async () => {
      const m = await refusal(
        core.createNamespacedPod({
          namespace: app,
          body: podBody(uniqueName('probe'), `${netns}/shared`),
          dryRun: 'All',
        }),
      )
      return m?.includes('multinet') ? true : undefined
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  )
}

t.test('pods/status cannot change the selection annotations (item 3)', async (t) => {
  await webhookActive()
  const created = await core.createNamespacedPod({ namespace: app, body: podBody('sel', 'own') })
  for (const [what, change] of [
    ['networks changed', (a: Record<string, string>) => (a[NETWORKS] = 'other')],
    ['networks removed', (a: Record<string, string>) => delete a[NETWORKS]],
    ['default-network added', (a: Record<string, string>) => (a[DEFAULT_NETWORK] = 'other')],
  ] as const) {
    const message = await refusal(
      core.replaceNamespacedPodStatus({
        name: 'sel',
        namespace: app,
        body: withAnnotations(created, change),
      }),
    )
    t.match(message, /pod-updates\.validate\.multinet\.io/, what)
    t.match(message, /pod\.networks-immutable/, what)
  }
  const stored = await core.readNamespacedPod({ name: 'sel', namespace: app })
  t.equal(stored.metadata?.annotations?.[NETWORKS], 'own', 'the stored selection is unchanged')
  const other = await core.replaceNamespacedPodStatus({
    name: 'sel',
    namespace: app,
    body: withAnnotations(stored, (a) => (a['example.com/note'] = 'x')),
  })
  t.equal(other.metadata?.annotations?.['example.com/note'], 'x', 'other annotations still can')

  // The other subresources that update a pod keep the stored metadata (their update strategies
  // copy the old object), so they need no routing to the webhook: shown, not assumed.
  for (const via of ['ephemeralcontainers', 'resize'] as const) {
    const current = await core.readNamespacedPod({ name: 'sel', namespace: app })
    const body = withAnnotations(current, (a) => (a[NETWORKS] = 'other'))
    const call =
      via === 'ephemeralcontainers'
        ? core.replaceNamespacedPodEphemeralcontainers({ name: 'sel', namespace: app, body })
        : core.replaceNamespacedPodResize({ name: 'sel', namespace: app, body })
    await call.catch(() => undefined) // accepted or refused, the selection must not change
    const after = await core.readNamespacedPod({ name: 'sel', namespace: app })
    t.equal(after.metadata?.annotations?.[NETWORKS], 'own', `pods/${via} keeps the selection`)
  }
})

t.test('only the agent may remove network-status (item 2)', async (t) => {
  const status = JSON.stringify([
    { name: `${app}/own`, interface: 'net1', ips: ['192.0.2.7'], default: false },
  ])
  await core.createNamespacedPod({ namespace: app, body: podBody('st', 'own') })
  const agent = cp.kubeConfig('agent').makeApiClient(CoreV1Api)
  const read = await agent.readNamespacedPod({ name: 'st', namespace: app })
  const written = await agent.replaceNamespacedPodStatus({
    name: 'st',
    namespace: app,
    body: withAnnotations(read, (a) => (a[STATUS] = status)),
  })
  t.equal(written.metadata?.annotations?.[STATUS], status, 'the agent wrote it')
  const removed = withAnnotations(written, (a) => delete a[STATUS])
  t.match(
    await refusal(core.replaceNamespacedPod({ name: 'st', namespace: app, body: removed })),
    /only the Multinet agent may remove this annotation/,
  )
  t.match(
    await refusal(core.replaceNamespacedPodStatus({ name: 'st', namespace: app, body: removed })),
    /only the Multinet agent may remove this annotation/,
  )
  const again = await agent.readNamespacedPod({ name: 'st', namespace: app })
  t.equal(again.metadata?.annotations?.[STATUS], status, 'still there')
  const byAgent = await agent.replaceNamespacedPodStatus({
    name: 'st',
    namespace: app,
    body: withAnnotations(again, (a) => delete a[STATUS]),
  })
  t.equal(byAgent.metadata?.annotations?.[STATUS], undefined, 'the agent may remove it')
})

t.test('a pods/binding cannot carry the network annotations onto the pod', async (t) => {
  // Found while auditing (beyond issue 11's list): the API server copies a Binding's
  // annotations onto the pod it binds, past the pod CREATE and UPDATE reviews.
  await core.createNamespacedPod({ namespace: app, body: podBody('bound', 'own') })
  const binding = (annotations: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name: 'bound', namespace: app, annotations },
    target: { apiVersion: 'v1', kind: 'Node', name: 'node-a' },
  })
  const forged = JSON.stringify([{ name: `${app}/other`, interface: 'net1', ips: ['192.0.2.9'] }])
  for (const [key, value] of [
    [STATUS, forged],
    [NETWORKS, 'other'],
    [DEFAULT_NETWORK, 'other'],
  ] as const) {
    const message = await refusal(
      core.createNamespacedPodBinding({
        name: 'bound',
        namespace: app,
        body: binding({ [key]: value }),
      }),
    )
    t.match(message, /pod-bindings\.validate\.multinet\.io/, key)
    t.match(message, /a pods\/binding may not carry this annotation/, key)
  }
  await core.createNamespacedPodBinding({
    name: 'bound',
    namespace: app,
    body: binding({ 'example.com/placed-by': 'e2e' }),
  })
  const bound = await core.readNamespacedPod({ name: 'bound', namespace: app })
  t.equal(bound.spec?.nodeName, 'node-a', 'an ordinary binding goes through')
  t.equal(
    bound.metadata?.annotations?.['example.com/placed-by'],
    'e2e',
    'and copies its annotations',
  )
  t.equal(bound.metadata?.annotations?.[STATUS], undefined)
  t.equal(bound.metadata?.annotations?.[NETWORKS], 'own')
})

const policy = (name: string, body: string): V1ConfigMap => ({
  metadata: { name, namespace: POLICY_NAMESPACE, labels: { 'multinet.io/policy': 'true' } },
  data: { 'policy.yaml': `apiVersion: multinet.io/v1alpha1\n${body}` },
})
/** A deny rule that refuses what the built-in default allows (a NAD in the pod's namespace). */
const DENY_OWN = `rules:
  - name: freeze-own
    action: deny
    networks: { names: ["*/own"] }
    from: { namespaces: { names: ["*"] } }
`
const BROKEN = 'rules: 7\n'

const tryOwn = () =>
  refusal(
    core.createNamespacedPod({
      namespace: app,
      body: podBody(uniqueName('own'), 'own'),
      dryRun: 'All',
    }),
  )

/** Stops the webhook and removes its registration, as an outage that let the admins write. */
async function outage(current: RunningWebhook): Promise<void> {
  await current.stop()
  await registration.deleteValidatingWebhookConfiguration({ name: CONFIG })
  await registration.deleteMutatingWebhookConfiguration({ name: CONFIG })
}

async function restart(waitFor: 'ready' | 'live'): Promise<RunningWebhook> {
  const next = await startWebhook(t, cp, WEBHOOK_USER, { granted: true, waitFor })
  await registerWebhooks(cp, next, CONFIG)
  return next
}

async function readyz(h: RunningWebhook): Promise<{ status: number; body: string }> {
  return probe(`http://${LOOPBACK}:${h.healthPort}/readyz`)
}

t.test('an invalid policy written while the webhook was down opens nothing (item 1)', async (t) => {
  await core.createNamespacedConfigMap({
    namespace: POLICY_NAMESPACE,
    body: policy('10-freeze', DENY_OWN),
  })
  await waitFor(
    'deny in force',
    async () => ((await tryOwn())?.includes('rule/freeze-own') ? true : undefined),
    { timeoutMs: 30_000, intervalMs: 100 },
  )
  // The webhook persisted the valid content before the outage.
  await waitFor(
    'copy persisted',
    async () => {
      const store = await core
        .readNamespacedConfigMap({ name: POLICY_STORE, namespace: POLICY_NAMESPACE })
        .catch(() => undefined)
      return store?.data?.[`${POLICY_NAMESPACE}.10-freeze`] ? true : undefined
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  )

  await outage(hook)
  await core.replaceNamespacedConfigMap({
    name: '10-freeze',
    namespace: POLICY_NAMESPACE,
    body: policy('10-freeze', BROKEN),
  })
  hook = await restart('ready')
  const message = await waitFor(
    'webhook answers after the restart',
    async () => {
      const m = await tryOwn()
      return m?.includes('multinet') ? m : undefined
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  )
  t.match(message, /rule\/freeze-own/, 'the pod the real policy refuses is still refused')
  const ready = await readyz(hook)
  t.equal(ready.status, 200, 'ready: the policy can decide')
  t.match(ready.body, /10-freeze: its last valid content \(persisted in ConfigMap/)
})

t.test('at a fresh start, a broken ConfigMap with no copy fails closed (item 1)', async (t) => {
  await outage(hook)
  // A second ConfigMap, created broken while no webhook ran: no valid copy of it exists. The
  // store is deleted too, so that 10-freeze has none either: the fresh-start case.
  await core.createNamespacedConfigMap({
    namespace: POLICY_NAMESPACE,
    body: policy('20-tenants', BROKEN),
  })
  await core.replaceNamespacedConfigMap({
    name: '10-freeze',
    namespace: POLICY_NAMESPACE,
    body: policy('10-freeze', DENY_OWN),
  })
  await core.deleteNamespacedConfigMap({ name: POLICY_STORE, namespace: POLICY_NAMESPACE })
  hook = await restart('live')
  const message = await waitFor(
    'webhook answers',
    async () => {
      const m = await tryOwn()
      return m?.includes('multinet') ? m : undefined
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  )
  t.match(message, /policy\.unavailable/)
  t.match(message, /ConfigMap multinet-system\/20-tenants does not validate and no valid copy/)
  const ready = await readyz(hook)
  t.equal(ready.status, 503, '/readyz is not ready')
  t.match(ready.body, /20-tenants does not validate/)
  const plain = await refusal(
    core.createNamespacedPod({
      namespace: app,
      body: { metadata: { name: uniqueName('plain') }, spec: podBody('x', '').spec! },
      dryRun: 'All',
    }),
  )
  t.equal(plain, undefined, 'a pod without networks is admitted')

  // Fixed by the admin (the webhook validates the write now): the valid policy decides again,
  // with 10-freeze's deny rule, which was never dropped.
  await core.replaceNamespacedConfigMap({
    name: '20-tenants',
    namespace: POLICY_NAMESPACE,
    body: policy('20-tenants', 'globalNamespaces: [default]\n'),
  })
  const after = await waitFor(
    'policy decides again',
    async () => {
      const m = await tryOwn()
      return m?.includes('rule/freeze-own') ? m : undefined
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  )
  t.match(after, /refused by rule\/freeze-own/)
  await waitFor(
    'ready again',
    async () => ((await readyz(hook)).status === 200 ? true : undefined),
    { timeoutMs: 30_000 },
  )
})
