/**
 * The multi-tenant policy model end to end (issue 13), on a real kube-apiserver with the webhook
 * registered: the documented ConfigMaps (docs/policy.md, the same files as the policy test
 * fixtures) are applied with the client, and pods are created (dry-run: admission runs, nothing
 * is stored) as tenants' users would: isolated tenants stay apart, joined tenants share, admin
 * namespaces reach everything but what a deny rule closes, every pod reaches the shared network;
 * physical networks select NADs; an injected tenant network never takes a name the pod uses;
 * a policy ConfigMap that reuses another's name is refused with the line of the name.
 */
import t from 'tap'
import { parse } from 'yaml'
import { CoreV1Api, type V1ConfigMap, type V1Pod } from '@kubernetes/client-node'
import { withControlPlane } from '../fixtures/e2e/control-plane.js'
import { createNad, nad, refusal, uniqueName } from '../fixtures/e2e/kube.js'
import { POLICY_NAMESPACE, registerWebhooks, startWebhook } from '../fixtures/e2e/webhook.js'
import { readFixture } from '../fixtures/policy/helpers.js'
import { WEBHOOK_USER } from './identities.js'
import { waitFor } from './net.js'

const NETWORKS = 'k8s.v1.cni.cncf.io/networks'
const cp = await withControlPlane(t)
const admin = cp.kubeConfig('admin')
const core = admin.makeApiClient(CoreV1Api)
await core.createNamespace({ body: { metadata: { name: POLICY_NAMESPACE } } })
const hook = await startWebhook(t, cp, WEBHOOK_USER)
await registerWebhooks(cp, hook, 'multinet-e2e-tenants')

// This control plane is the test's own: the namespaces take the documented names.
const NAMESPACES: [string, Record<string, string>][] = [
  ['red-shop', { 'multinet.io/tenant': 'red' }],
  ['blue-crm', { 'multinet.io/tenant': 'blue' }],
  ['green-app', {}],
  ['yellow-db', {}],
  ['reporting', {}],
  ['ops', {}],
  ['monitoring', {}],
  ['globex-api', {}],
  ['tenant-nets', {}],
  ['tenants', {}],
  ['telco', { 'multinet.io/workload': 'nfv' }],
  ['web', {}],
]
for (const [name, labels] of NAMESPACES)
  await core.createNamespace({ body: { metadata: { name, labels } } })
const bridge = (name: string) => ({ cniVersion: '1.0.0', name, type: 'bridge' })
for (const [ns, name] of [
  ['tenant-nets', 'red'],
  ['tenant-nets', 'blue'],
  ['tenant-nets', 'green'],
  ['tenant-nets', 'yellow'],
  ['tenants', 'globex-net'],
  ['ops', 'services'],
  ['ops', 'tools'],
  ['globex-api', 'own'],
  ['web', 'lan'],
] as const)
  await createNad(admin, ns, nad(name, bridge(name)))
// NADs on the physical network phy-data, in a namespace of NFV and in one that is not.
for (const ns of ['web', 'telco']) {
  const body = nad('fast', bridge('fast'))
  body.metadata = {
    ...body.metadata,
    annotations: { 'multinet.io/physical-network': 'phy-data' },
  } as typeof body.metadata
  await createNad(admin, ns, body)
}

const FIXTURES = [
  'tenant-locked.yaml',
  'tenants-isolated.yaml',
  'tenants-joined.yaml',
  'tenants-admin.yaml',
  'physical-networks.yaml',
]
for (const f of FIXTURES) {
  const body = parse(readFixture(f)) as V1ConfigMap
  await core.createNamespacedConfigMap({ namespace: POLICY_NAMESPACE, body })
}

const podIn = (namespace: string, networks?: string): V1Pod => ({
  metadata: {
    name: uniqueName('p'),
    namespace,
    ...(networks === undefined ? {} : { annotations: { [NETWORKS]: networks } }),
  },
  spec: { containers: [{ name: 'c', image: 'registry.example/app:1' }] },
})

/** Creates the pod (dry-run) and returns the stored form, or the API server's refusal. */
async function create(
  namespace: string,
  networks?: string,
): Promise<{ pod?: V1Pod; refused?: string }> {
  try {
    const pod = await core.createNamespacedPod({
      namespace,
      body: podIn(namespace, networks),
      dryRun: 'All',
    })
    return { pod }
  } catch (err) {
    return { refused: await refusal(Promise.reject(err)) }
  }
}

// The informer delivers the ConfigMaps within moments; wait for the last one to be in force
// (an admin namespace reaches a locked tenant's network only once 72-admin counts).
await waitFor(
  'the tenant policy in force',
  async () => ((await create('ops', 'tenant-nets/red')).pod ? true : undefined),
  { timeoutMs: 30_000, intervalMs: 200 },
  hook.logs,
)

t.test('isolated tenants: each gets its own network and reaches no other', async (t) => {
  const plain = await create('red-shop')
  t.equal(plain.refused, undefined)
  t.same(JSON.parse(plain.pod?.metadata?.annotations?.[NETWORKS] ?? '[]'), [
    { name: 'red', namespace: 'tenant-nets', interface: 'tenant0' },
  ])
  const toBlue = await create('red-shop', 'tenant-nets/blue')
  t.match(toBlue.refused, /network tenant-nets\/blue refused by tenant\/red/)
  t.match(toBlue.refused, /policy\.tenant-locked/)
  t.match((await create('blue-crm', 'tenant-nets/red')).refused, /refused by tenant\/blue/)
  t.match((await create('web', 'tenant-nets/red')).refused, /refused by isolation/)
})

t.test('joined tenants: shared both ways when both join; one way, never chained', async (t) => {
  const green = await create('green-app', 'tenant-nets/yellow')
  t.equal(green.refused, undefined)
  t.same(JSON.parse(green.pod?.metadata?.annotations?.[NETWORKS] ?? '[]'), [
    { name: 'yellow', namespace: 'tenant-nets' },
    { name: 'green', namespace: 'tenant-nets' },
  ])
  t.equal((await create('yellow-db', 'tenant-nets/green')).refused, undefined)
  t.equal((await create('reporting', 'tenant-nets/green')).refused, undefined)
  t.match(
    (await create('reporting', 'tenant-nets/yellow')).refused,
    /refused by tenant\/reporting.*and those of the tenants it joins \(tenant "green": tenant-nets\/green\)/,
  )
  t.match((await create('green-app', 'tenant-nets/red')).refused, /refused by tenant\/green/)
})

t.test('admin: ops reaches every tenant, every tenant reaches the shared services', async (t) => {
  t.equal((await create('ops', 'tenant-nets/red, tenant-nets/blue')).refused, undefined)
  t.equal((await create('monitoring', 'tenant-nets/red')).refused, undefined)
  t.match(
    (await create('monitoring', 'tenant-nets/blue')).refused,
    /refused by rule\/no-monitoring-on-blue: deny rule .* \(blue's contract excludes third-party monitoring\)/,
  )
  const red = await create('red-shop', 'ops/services')
  t.equal(red.refused, undefined, 'a locked tenant reaches the admin network')
  t.same(JSON.parse(red.pod?.metadata?.annotations?.[NETWORKS] ?? '[]'), [
    { name: 'services', namespace: 'ops' },
    { name: 'red', namespace: 'tenant-nets', interface: 'tenant0' },
  ])
  t.match((await create('red-shop', 'ops/tools')).refused, /refused by tenant\/red/)
})

t.test('physical networks: only NFV namespaces use anything on phy-data', async (t) => {
  t.equal((await create('telco', 'fast')).refused, undefined)
  t.equal((await create('telco', 'web/fast')).refused, undefined, 'in any namespace')
  t.match(
    (await create('web', 'fast')).refused,
    /network web\/fast refused by rule\/phy-data-nfv-only: the network is reserved by reserve rule/,
  )
  t.equal((await create('web', 'lan')).refused, undefined, 'no physical network: isolation')
})

t.test('an injected network never takes the name a selection gives (own@net2)', async (t) => {
  const r = await create('globex-api', 'own@net2')
  t.equal(r.refused, undefined)
  t.same(JSON.parse(r.pod?.metadata?.annotations?.[NETWORKS] ?? '[]'), [
    { name: 'own', namespace: 'globex-api', interface: 'net2' },
    { name: 'globex-net', namespace: 'tenants', interface: 'net3' },
  ])
})

t.test('policy refusals name their line: a reused name, a missing apiVersion', async (t) => {
  const cm = (name: string, text: string): V1ConfigMap => ({
    metadata: { name, namespace: POLICY_NAMESPACE, labels: { 'multinet.io/policy': 'true' } },
    data: { 'policy.yaml': text },
  })
  const clash = await refusal(
    core.createNamespacedConfigMap({
      namespace: POLICY_NAMESPACE,
      body: cm(
        '99-clash',
        'apiVersion: multinet.io/v1alpha1\n\ntenants:\n  - name: red\n    namespaces: { names: [x] }\n    networks: []\n',
      ),
    }),
  )
  t.match(
    clash,
    /tenants\[0\]\.name: tenant name "red" is already defined in tenants\[0\] of policy ConfigMap "70-isolated"; .* \(line 4\)/,
  )
  const noVersion = await refusal(
    core.createNamespacedConfigMap({
      namespace: POLICY_NAMESPACE,
      body: cm('99-noversion', '# forgot the version\nrules: []\n'),
    }),
  )
  t.match(noVersion, /apiVersion: is required \(line 2\)/)
})
