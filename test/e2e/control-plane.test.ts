import { ApiextensionsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node'
import { existsSync } from 'node:fs'
import t from 'tap'
import { startControlPlane } from './control-plane.js'
import { NAD } from './crd.js'
import type { Identity } from './identities.js'
import { probe, waitFor } from './net.js'
import { withControlPlane } from '../fixtures/e2e/control-plane.js'
import {
  createNad,
  createNamespace,
  grantClusterRole,
  listNads,
  nad,
  nadPath,
  statusOf,
  uniqueName,
  watchFor,
} from '../fixtures/e2e/kube.js'

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const BRIDGE = { cniVersion: '1.0.0', type: 'bridge', bridge: 'br-e2e' }

t.test('starts and stops cleanly twice in a row', async (t) => {
  for (const round of [1, 2]) {
    const cp = await startControlPlane()
    const ready = await probe(`${cp.apiUrl}/readyz`, { ca: cp.caPem, token: cp.tokens.admin })
    t.equal(ready.status, 200, `round ${round}: /readyz answers 200`)
    const pids = [...cp.pids()]
    t.equal(pids.length, 2, `round ${round}: etcd and kube-apiserver are running`)
    t.ok(pids.every(alive), `round ${round}: both pids are alive`)
    await cp.stop()
    t.notOk(pids.some(alive), `round ${round}: no process left behind`)
    t.notOk(existsSync(cp.dir), `round ${round}: temp dir removed`)
    const after = await probe(`${cp.apiUrl}/readyz`, { ca: cp.caPem })
    t.equal(after.status, 0, `round ${round}: nothing listens on the port any more`)
  }
})

t.test('with one shared control plane', async (t) => {
  const cp = await withControlPlane(t)
  const admin = cp.kubeConfig('admin')
  const stats = cp.stats()
  t.comment(`apiserver ready in ${stats.apiserverReadyMs} ms, RSS ${stats.apiserverRssKiB} KiB`)

  t.test('the NAD CRD is installed and Established', async (t) => {
    const crd = await admin
      .makeApiClient(ApiextensionsV1Api)
      .readCustomResourceDefinition({ name: `${NAD.plural}.${NAD.group}` })
    t.equal(crd.spec.scope, 'Namespaced')
    t.same(crd.spec.names.shortNames, ['net-attach-def'])
    t.equal(crd.spec.names.kind, NAD.kind)
    t.same(
      crd.spec.versions.map((v) => [v.name, v.served, v.storage]),
      [['v1', true, true]],
    )
    const established = crd.status?.conditions?.find((c) => c.type === 'Established')
    t.equal(established?.status, 'True')
  })

  t.test('the CRD schema is applied: config is a string, unknown spec keys pruned', async (t) => {
    const ns = await createNamespace(admin, 'schema')
    const bad = { ...nad('bad'), spec: { config: { type: 'bridge' } } }
    t.equal(await statusOf(createNad(admin, ns, bad as never)), 422, 'object config rejected')
    const extra = { ...nad('extra', BRIDGE), spec: { config: '{}', stray: 1 } }
    const created = await createNad(admin, ns, extra)
    t.same(created.spec, { config: '{}' }, 'stray field pruned')
    const empty = await createNad(admin, ns, nad('no-config'))
    t.same(empty.spec, {}, 'spec.config may be absent')
  })

  // The product's identities get the NAD access the test needs through ordinary RBAC objects.
  const node = 'system:node:node-a'
  await grantClusterRole(
    admin,
    'multinet-e2e-nad-editor',
    [
      {
        apiGroups: [NAD.group],
        resources: [NAD.plural],
        verbs: ['create', 'get', 'list', 'watch'],
      },
    ],
    [
      { kind: 'ServiceAccount', name: 'multinet-webhook', namespace: 'multinet-system' },
      { kind: 'ServiceAccount', name: 'multinet-agent', namespace: 'multinet-system' },
      { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: node },
    ],
  )

  const identities: Identity[] = ['admin', 'webhook', 'agent', node]
  for (const identity of identities) {
    t.test(`${identity} creates, lists and watches NADs`, async (t) => {
      const kc = cp.kubeConfig(identity)
      const ns = await createNamespace(admin, 'nad')
      // RBAC reads bindings from an informer: a fresh binding takes effect within moments.
      const first = await waitFor(
        `${identity} may list NADs`,
        async () => listNads(kc, ns).catch(() => undefined),
        { timeoutMs: 10_000 },
      )
      t.same(first.items, [], 'fresh namespace is empty')

      const name = uniqueName('net')
      const seen = watchFor(
        kc,
        nadPath(ns),
        { resourceVersion: first.metadata.resourceVersion },
        (type, obj) => type === 'ADDED' && obj.metadata.name === name,
        async () => {
          await createNad(kc, ns, nad(name, { ...BRIDGE, name }))
        },
      )
      const event = await seen
      t.equal(event.obj.metadata.namespace, ns, 'watch delivered the ADDED event')
      t.same(JSON.parse(event.obj.spec?.config ?? ''), { ...BRIDGE, name })

      const list = await listNads(kc, ns)
      t.same(
        list.items.map((i) => i.metadata.name),
        [name],
        'list shows the new NAD',
      )
    })
  }

  t.test('RBAC denies an authenticated identity without a role', async (t) => {
    const nobody = cp.kubeConfig('nobody')
    const ns = await createNamespace(admin, 'deny')
    t.equal(await statusOf(listNads(nobody, ns)), 403, 'list is forbidden')
    t.equal(await statusOf(createNad(nobody, ns, nad('x', BRIDGE))), 403, 'create is forbidden')
    const watch = watchFor(nobody, nadPath(ns), {}, () => true)
    t.equal(await statusOf(watch), 403, 'watch is forbidden')
    const webhook = cp.kubeConfig('webhook')
    const secrets = webhook.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: ns })
    t.equal(await statusOf(secrets), 403, 'a role grants only what it lists')
  })

  t.test('authentication is real: an unknown token is rejected with 401', async (t) => {
    const res = await probe(`${cp.apiUrl}/api/v1/namespaces`, { ca: cp.caPem, token: 'forged' })
    t.equal(res.status, 401)
  })

  t.test('node identities are checked by the Node authorizer and NodeRestriction', async (t) => {
    const core = (kc: KubeConfig): CoreV1Api => kc.makeApiClient(CoreV1Api)
    const nodeA = cp.kubeConfig('system:node:node-a')
    const created = await core(nodeA).createNode({ body: { metadata: { name: 'node-a' } } })
    t.equal(created.metadata?.name, 'node-a', 'a node may register itself')
    const other = core(nodeA).createNode({ body: { metadata: { name: 'node-b' } } })
    t.equal(await statusOf(other), 403, 'but not another node')
    t.equal(await statusOf(core(nodeA).listNamespacedSecret({ namespace: 'default' })), 403)
  })

  t.test('the apiserver restarts on the same etcd and port, keeping its data', async (t) => {
    const ns = await createNamespace(admin, 'restart')
    await createNad(admin, ns, nad('kept', BRIDGE))
    await cp.stopApiserver()
    t.equal((await probe(`${cp.apiUrl}/readyz`, { ca: cp.caPem })).status, 0, 'apiserver down')
    await cp.startApiserver()
    const after = await waitFor(
      'NADs served again',
      () => listNads(admin, ns).catch(() => undefined),
      {
        timeoutMs: 15_000,
      },
    )
    t.same(
      after.items.map((i) => i.metadata.name),
      ['kept'],
    )
    t.comment(`apiserver ready again in ${cp.stats().apiserverReadyMs} ms`)
  })

  t.test('kubeconfigs are written per identity and unknown identities refused', async (t) => {
    t.match(cp.kubeconfigFor('admin'), /kubeconfigs\/admin\.yaml$/)
    t.throws(() => cp.kubeconfigFor('root' as Identity), /unknown e2e identity/)
  })
})
