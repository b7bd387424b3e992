/**
 * The API server itself calls `multinet webhook`: a bad NAD is rejected with our message, a good
 * one admitted; a pod with a broken selection is rejected with every problem listed.
 */
import t from 'tap'
import { CoreV1Api } from '@kubernetes/client-node'
import { request } from 'node:https'
import { withControlPlane } from '../fixtures/e2e/control-plane.js'
import { createNad, createNamespace, nad, refusal, uniqueName } from '../fixtures/e2e/kube.js'
import { registerWebhooks, startWebhook } from '../fixtures/e2e/webhook.js'
import { WEBHOOK_USER } from './identities.js'
import { LOOPBACK, probe, waitFor } from './net.js'

const cp = await withControlPlane(t)
const admin = cp.kubeConfig('admin')
const hook = await startWebhook(t, cp, WEBHOOK_USER)
await registerWebhooks(cp, hook, 'multinet-e2e')
const ns = await createNamespace(admin, 'wh')

t.test('the API server rejects a bad NAD with our message', async (t) => {
  const bad = nad('broken', {
    cniVersion: '1.0.0',
    plugins: [{ type: 'macvlan', ipam: 'host-local' }, {}],
  })
  // The configuration takes effect once the API server's informer has seen it: retry briefly.
  const message = await waitFor(
    'webhook called by the API server',
    async () => {
      const m = await refusal(
        createNad(admin, ns, { ...bad, metadata: { name: uniqueName('broken') } }),
      )
      return m !== undefined && m.includes('multinet') ? m : undefined
    },
    { timeoutMs: 15_000, intervalMs: 250 },
  )
  t.match(message, /admission webhook "nads\.validate\.multinet\.io" denied the request/)
  t.match(message, /spec\.config\.plugins\[0\]\.ipam/)
  t.match(message, /spec\.config\.plugins\[1\]\.type/)
  t.match(message, /nad\.config-schema/)
})

t.test('the API server admits a good NAD, a conflist without a name included', async (t) => {
  const created = await createNad(
    admin,
    ns,
    nad('mgmt', {
      cniVersion: '1.0.0',
      plugins: [{ type: 'bridge' }, { type: 'portmap', capabilities: { portMappings: true } }],
    }),
  )
  t.equal(created.metadata.name, 'mgmt')
})

t.test('a pod with a broken selection is rejected with every problem', async (t) => {
  const core = admin.makeApiClient(CoreV1Api)
  const value = JSON.stringify([
    { name: 'mgmt', ips: ['192.0.2.300'] },
    { name: 'mgmt', mac: 'nope' },
  ])
  const message = await refusal(
    core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'broken', annotations: { 'k8s.v1.cni.cncf.io/networks': value } },
        spec: { containers: [{ name: 'c', image: 'registry.example/app:1' }] },
      },
    }),
  )
  t.match(message, /2 problems/)
  t.match(message, /networks\[0\]\.ips\[0\]/)
  t.match(message, /networks\[1\]\.mac/)
})

t.test('metrics count what the API server asked', async (t) => {
  const metrics = await probe(`http://${LOOPBACK}:${hook.healthPort}/metrics`)
  t.equal(metrics.status, 200)
  t.match(metrics.body, /network-attachment-definitions/)
  t.match(metrics.body, /denied/)
})

/** A DELETE through the API server, raw, to read the `Warning` headers it relays from webhooks. */
function deleteWithWarnings(path: string): Promise<{ status: number; warnings: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${cp.apiUrl}${path}`,
      { method: 'DELETE', ca: cp.caPem, headers: { authorization: `Bearer ${cp.tokens.admin}` } },
      (res) => {
        res.resume()
        res.on('end', () => {
          const raw = res.headers.warning
          const warnings = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]
          resolve({ status: res.statusCode ?? 0, warnings })
        })
      },
    )
    req.on('error', reject)
    req.end()
  })
}

t.test('deleting a NAD that a pod still selects goes through with a warning', async (t) => {
  const core = admin.makeApiClient(CoreV1Api)
  await createNad(admin, ns, nad('in-use', { cniVersion: '1.0.0', type: 'bridge' }))
  await createNad(admin, ns, nad('unused', { cniVersion: '1.0.0', type: 'bridge' }))
  await core.createNamespacedPod({
    namespace: ns,
    body: {
      metadata: { name: 'user', annotations: { 'k8s.v1.cni.cncf.io/networks': 'in-use' } },
      spec: { containers: [{ name: 'c', image: 'registry.example/app:1' }] },
    },
  })
  const path = (name: string) =>
    `/apis/k8s.cni.cncf.io/v1/namespaces/${ns}/network-attachment-definitions/${name}`
  const used = await deleteWithWarnings(path('in-use'))
  t.equal(used.status, 200)
  t.equal(used.warnings.length, 1, used.warnings.join('\n'))
  t.match(used.warnings[0], new RegExp(`${ns}/in-use is still selected by 1 pod \\(${ns}/user\\)`))
  t.match(used.warnings[0], /\[nad\.in-use\]/)
  const unused = await deleteWithWarnings(path('unused'))
  t.equal(unused.status, 200)
  t.same(unused.warnings, [])
})
