/**
 * kube-state.ts against a real kube-apiserver: the caches follow NADs, Namespace labels and
 * policy ConfigMaps within a second, survive an apiserver restart (stale while it is down,
 * resynced after), and a NAD the cache cannot know yet is found by the direct lookup.
 */
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node'
import { pino } from 'pino'
import t, { type Test } from 'tap'
import { DEFAULT_ADMISSION_OPTIONS as OPTIONS } from '../../src/admission/options.js'
import { openKubeState } from '../../src/cluster/kube-state.js'
import type { StateSource } from '../../src/cluster/source.js'
import { withControlPlane } from '../fixtures/e2e/control-plane.js'
import {
  createNad,
  createNamespace,
  grantClusterRole,
  nad,
  uniqueName,
} from '../fixtures/e2e/kube.js'
import { NAD } from './crd.js'
import { grantPolicyStore } from '../fixtures/e2e/webhook.js'
import { TOKEN_USERS } from './identities.js'
import { waitFor } from './net.js'

const POLICY_NS = OPTIONS.policyNamespace
/** The cache follows the cluster within a second (the latencies are reported below); the deadline only bounds a hang on a busy machine. */
const WITHIN_MS = 30_000
const BRIDGE = { cniVersion: '1.0.0', type: 'bridge' }

const latencies: number[] = []
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch)

/** Polls `check` every 5 ms until it holds; fails after `timeoutMs`; returns the time taken. */
async function seen(what: string, check: () => boolean, timeoutMs = WITHIN_MS): Promise<number> {
  const started = Date.now()
  await waitFor(what, async () => (check() ? true : undefined), { timeoutMs, intervalMs: 5 })
  const ms = Date.now() - started
  latencies.push(ms)
  return ms
}

const READ_STATE = [
  { apiGroups: [NAD.group], resources: [NAD.plural], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['list', 'watch'] },
]

async function open(kc: KubeConfig, t: Test): Promise<StateSource> {
  const state = await openKubeState({
    namespace: POLICY_NS,
    logger: pino({ level: process.env.MULTINET_E2E_LOG ?? 'silent' }),
    options: OPTIONS,
    kubeConfig: kc,
    fetchTimeoutMs: 2000,
  })
  t.teardown(() => state.close())
  return state
}

t.test('cluster state on a real apiserver', async (t) => {
  const cp = await withControlPlane(t)
  const admin = cp.kubeConfig('admin')
  const core = admin.makeApiClient(CoreV1Api)
  const custom = admin.makeApiClient(CustomObjectsApi)
  await core.createNamespace({ body: { metadata: { name: POLICY_NS } } })
  // The webhook reads with its own service account: these are the verbs the chart must grant.
  await grantClusterRole(admin, 'multinet-e2e-state-reader', READ_STATE, [
    { kind: 'ServiceAccount', name: 'multinet-webhook', namespace: POLICY_NS },
  ])
  await grantPolicyStore(admin, TOKEN_USERS.webhook.user, POLICY_NS)
  const webhook = cp.kubeConfig('webhook')
  await waitFor(
    'RBAC for the webhook',
    async () => {
      const list = webhook.makeApiClient(CoreV1Api).listNamespace({ limit: 1 })
      return list.then(() => true).catch(() => undefined)
    },
    { timeoutMs: 30_000 },
  )

  const state = await open(webhook, t)
  t.equal(await state.waitForSync!(30_000), true, 'synced after the first lists')
  t.same(state.sync().problems, [])
  const nadParams = (namespace: string, name: string) => ({ ...NAD, namespace, name })

  t.test('NADs: create, update, delete', async (t) => {
    const ns = await createNamespace(admin, 'nads')
    await createNad(admin, ns, nad('br', BRIDGE))
    await seen('NAD added', () => state.getNad(ns, 'br') !== undefined)
    t.same(state.getNad(ns, 'br')?.cniTypes, ['bridge'])

    const patch = [
      { op: 'add', path: '/metadata/labels', value: { plane: 'data' } },
      {
        op: 'replace',
        path: '/spec/config',
        value: JSON.stringify({ ...BRIDGE, type: 'macvlan' }),
      },
    ]
    await custom.patchNamespacedCustomObject(
      { ...nadParams(ns, 'br'), plural: NAD.plural, body: patch },
      jsonPatch,
    )
    await seen('NAD updated', () => state.getNad(ns, 'br')?.labels.plane === 'data')
    t.same(state.getNad(ns, 'br')?.cniTypes, ['macvlan'])

    await custom.deleteNamespacedCustomObject({ ...nadParams(ns, 'br'), plural: NAD.plural })
    await seen('NAD deleted', () => state.getNad(ns, 'br') === undefined)
  })

  t.test('Namespaces: labels follow, deletion is seen', async (t) => {
    const name = uniqueName('labels')
    await core.createNamespace({ body: { metadata: { name, labels: { tier: 'gold' } } } })
    await seen('namespace added', () => state.namespaceLabels(name)?.tier === 'gold')
    t.equal(state.namespaceLabels(name)?.['kubernetes.io/metadata.name'], name)
    await core.patchNamespace(
      { name, body: [{ op: 'replace', path: '/metadata/labels/tier', value: 'silver' }] },
      jsonPatch,
    )
    await seen('namespace relabelled', () => state.namespaceLabels(name)?.tier === 'silver')
    // No controller-manager here: finish the deletion by hand, as the namespace controller would.
    await core.deleteNamespace({ name })
    await core.replaceNamespaceFinalize({
      name,
      body: { metadata: { name }, spec: { finalizers: [] } },
    })
    await seen('namespace deleted', () => state.namespaceLabels(name) === undefined)
  })

  t.test('policy ConfigMaps: the compiled policy follows them', async (t) => {
    const label = OPTIONS.policyLabel
    const cm = (text: string, labelValue = 'true') => ({
      metadata: { name: 'base', namespace: POLICY_NS, labels: { [label]: labelValue } },
      data: { 'policy.yaml': `apiVersion: multinet.io/v1alpha1\n${text}` },
    })
    await core.createNamespacedConfigMap({
      namespace: POLICY_NS,
      body: cm('globalNamespaces: [default, infra]\n'),
    })
    await seen('policy in force', () => state.policy().sources.includes('base'))
    t.same(state.policy().globalNamespaces, ['default', 'infra'])

    await core.replaceNamespacedConfigMap({
      name: 'base',
      namespace: POLICY_NS,
      body: cm('globalNamespaces: [shared]\n'),
    })
    await seen('policy updated', () => state.policy().globalNamespaces.includes('shared'))

    // No webhook runs here, so the API server stores an invalid policy. One never seen valid
    // has no copy to stand in for it: the policy fails closed and the state is not ready.
    await core.createNamespacedConfigMap({
      namespace: POLICY_NS,
      body: { ...cm('rules: 5\n'), metadata: { ...cm('').metadata, name: 'broken' } },
    })
    await seen('invalid policy reported', () => state.sync().problems.length > 0)
    t.match(state.sync().problems, [
      /^ConfigMap multinet-system\/broken: policy\.yaml: rules/,
      /^ConfigMap multinet-system\/broken does not validate and no valid copy of it is known/,
    ])
    t.notOk(state.sync().synced, 'not ready while the policy cannot decide')
    t.same(state.policy().sources, ['base'])
    await core.deleteNamespacedConfigMap({ name: 'broken', namespace: POLICY_NS })
    await seen('problem cleared', () => state.sync().problems.length === 0)
    // An invalid edit of a ConfigMap seen valid: its last valid content stays in force.
    await core.replaceNamespacedConfigMap({
      name: 'base',
      namespace: POLICY_NS,
      body: cm('rules: 5\n'),
    })
    await seen('invalid edit reported', () => state.sync().problems.length > 0)
    t.match(
      state.sync().problems.at(-1),
      /base: its last valid content \(seen by this process\) stays in force/,
    )
    t.ok(state.sync().synced)
    t.ok(state.policy().globalNamespaces.includes('shared'))
    await core.replaceNamespacedConfigMap({
      name: 'base',
      namespace: POLICY_NS,
      body: cm('globalNamespaces: [shared]\n'),
    })
    await seen('problem cleared again', () => state.sync().problems.length === 0)

    // Taking the label off makes the ConfigMap leave the labelled watch: back to the default.
    await core.replaceNamespacedConfigMap({
      name: 'base',
      namespace: POLICY_NS,
      body: cm('', 'false'),
    })
    await seen('label removed', () => state.policy().sources.length === 0)
    t.same(state.policy().globalNamespaces, ['default'])
  })

  t.test('a NAD created just before a pod is found before its event arrives', async (t) => {
    const ns = await createNamespace(admin, 'race')
    await createNad(admin, ns, nad('fresh', BRIDGE))
    // What admission does: memory first, then one direct lookup.
    const found = state.getNad(ns, 'fresh') ?? (await state.fetchNad(ns, 'fresh'))
    t.same(found?.cniTypes, ['bridge'])
    t.equal(await state.fetchNad(ns, 'never-created'), undefined)
  })

  t.test('a namespace created just before a pod has its labels looked up', async (t) => {
    const name = `race-ns-${Date.now()}`
    await admin
      .makeApiClient(CoreV1Api)
      .createNamespace({ body: { metadata: { name, labels: { tier: 'edge' } } } })
    const labels = state.namespaceLabels(name) ?? (await state.fetchNamespaceLabels(name))
    t.equal(labels?.tier, 'edge')
    t.equal(await state.fetchNamespaceLabels('never-created-ns'), undefined)
  })

  t.test('the direct lookup works even when the NAD cache cannot be filled', async (t) => {
    // `nobody` may GET a NAD but not list or watch them: its NAD cache stays empty, so any
    // answer about a NAD can only come from the direct lookup.
    await grantClusterRole(
      admin,
      'multinet-e2e-get-only',
      [
        { apiGroups: [NAD.group], resources: [NAD.plural], verbs: ['get'] },
        { apiGroups: [''], resources: ['namespaces', 'configmaps'], verbs: ['list', 'watch'] },
      ],
      [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: TOKEN_USERS.nobody.user }],
    )
    const getOnly = await open(cp.kubeConfig('nobody'), t)
    await waitFor(
      'NAD list refused',
      async () => {
        const p = getOnly.sync().problems.find((x) => x.startsWith('nads:'))
        return p?.includes('403') ? p : undefined
      },
      { timeoutMs: 30_000 },
    )
    t.notOk(getOnly.sync().synced)
    const ns = await createNamespace(admin, 'lookup')
    await createNad(admin, ns, nad('direct', BRIDGE))
    t.equal(getOnly.getNad(ns, 'direct'), undefined, 'not in memory')
    const found = await waitFor('lookup allowed', async () => getOnly.fetchNad(ns, 'direct'), {
      timeoutMs: 30_000,
    })
    t.same(found.cniTypes, ['bridge'])
    t.equal(getOnly.getNad(ns, 'direct'), undefined, 'the lookup does not fill the cache')
    t.equal(await getOnly.fetchNad(ns, 'missing'), undefined)
  })

  t.test('an apiserver restart: stale while down, resynced after', async (t) => {
    const ns = await createNamespace(admin, 'restart')
    await createNad(admin, ns, nad('before', BRIDGE))
    await createNad(admin, ns, nad('doomed', BRIDGE))
    await seen('NADs present', () => state.getNad(ns, 'doomed') !== undefined)
    const before = state.stats().sources!

    await cp.stopApiserver()
    await waitFor(
      'all three watches reported down',
      async () => {
        const problems = state.sync().problems
        return problems.length === 3 && problems.every((p) => p.includes('watch down'))
          ? true
          : undefined
      },
      { timeoutMs: 30_000 },
    )
    t.ok(state.sync().synced, 'still synced: the cache keeps serving')
    t.ok(state.getNad(ns, 'before'), 'served from memory while the apiserver is down')
    t.comment(state.sync().problems.join('\n'))

    await cp.startApiserver()
    t.comment(`apiserver back in ${cp.stats().apiserverReadyMs} ms`)
    await custom.deleteNamespacedCustomObject({ ...nadParams(ns, 'doomed'), plural: NAD.plural })
    await createNad(admin, ns, nad('after', BRIDGE))
    // Backoff is capped at 10 s, so a reconnect attempt comes within that after the restart.
    const ms = await seen(
      'resynced after the restart',
      () => state.getNad(ns, 'after') !== undefined && state.getNad(ns, 'doomed') === undefined,
      20_000,
    )
    latencies.pop() // a reconnect delay, not a watch latency
    t.comment(`changes made after the restart seen ${ms} ms later`)
    await waitFor(
      'all watches live again',
      async () => (state.sync().problems.length === 0 ? true : undefined),
      { timeoutMs: 30_000 },
    )
    const after = state.stats().sources!
    for (const name of ['nads', 'namespaces', 'policy-configmaps']) {
      t.ok(after[name]!.reconnects > before[name]!.reconnects, `${name}: reconnect counted`)
      t.ok(after[name]!.failures > before[name]!.failures, `${name}: failures counted`)
      t.equal(after[name]!.staleSeconds, 0, `${name}: no longer stale`)
    }
    t.comment(JSON.stringify(after))
  })

  t.teardown(() => {
    const sorted = [...latencies].sort((a, b) => a - b)
    const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
    console.error(
      `# cache propagation over ${sorted.length} changes: median ${p(0.5)} ms, max ${sorted.at(-1)} ms`,
    )
  })
})
