import t, { type Test } from 'tap'
import { DEFAULT_ADMISSION_OPTIONS } from '../../src/admission/options.js'
import { openKubeState, type KubeStateOptions } from '../../src/cluster/kube-state.js'
import type { StateSource } from '../../src/cluster/source.js'
import { FakeApiServer } from '../fixtures/cluster/fake-apiserver.js'
import { until } from '../fixtures/cluster/fake-watcher.js'
import { captureLogger } from '../fixtures/cluster/log-capture.js'

const NS = 'multinet-system'
const LABEL = 'multinet.io/policy'

const nad = (namespace: string, name: string, config = '{"type":"bridge"}', labels = {}) => ({
  apiVersion: 'k8s.cni.cncf.io/v1',
  kind: 'NetworkAttachmentDefinition',
  metadata: { namespace, name, labels },
  spec: { config },
})
const namespace = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } },
})
const policyCm = (name: string, text: string, labelValue = 'true') => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { namespace: NS, name, labels: { [LABEL]: labelValue } },
  data: { 'policy.yaml': text },
})
const POLICY = 'apiVersion: multinet.io/v1alpha1\nglobalNamespaces: [default, shared]\n'

async function open(
  t: Test,
  fake: FakeApiServer,
  extra: Partial<KubeStateOptions> = {},
): Promise<{ state: StateSource; lines: ReturnType<typeof captureLogger>['lines'] }> {
  const { logger, lines } = captureLogger()
  const state = await openKubeState({
    namespace: NS,
    logger,
    options: DEFAULT_ADMISSION_OPTIONS,
    kubeConfig: fake.kubeConfig(),
    fetchTimeoutMs: 300,
    reflector: { backoff: { initialMs: 5, maxMs: 20, factor: 2, jitter: 0 }, pageSize: 2 },
    ...extra,
  })
  t.teardown(() => state.close())
  return { state, lines }
}

async function started(t: Test): Promise<FakeApiServer> {
  const fake = await FakeApiServer.start()
  t.teardown(() => fake.close())
  fake.apply('namespaces', namespace('default'))
  fake.apply('namespaces', namespace('team-a', { tier: 'gold' }))
  fake.apply('nads', nad('default', 'br'))
  fake.apply('nads', nad('team-a', 'mac', '{"plugins":[{"type":"macvlan"},{"type":"tuning"}]}'))
  fake.apply('nads', nad('team-a', 'sriov', ''))
  fake.apply('configmaps', policyCm('base', POLICY))
  return fake
}

t.test('fills the caches from paged lists and reports sync', async (t) => {
  const fake = await started(t)
  const { state } = await open(t, fake)
  t.equal(await state.waitForSync!(5000), true)
  t.same(state.sync(), { synced: true, problems: [] })
  t.same(state.getNad('team-a', 'mac'), {
    namespace: 'team-a',
    name: 'mac',
    labels: {},
    annotations: {},
    cniTypes: ['macvlan', 'tuning'],
  })
  t.same(state.getNad('team-a', 'sriov')?.cniTypes, [], 'config on disk')
  t.same(state.namespaceLabels('team-a'), {
    'kubernetes.io/metadata.name': 'team-a',
    tier: 'gold',
  })
  t.equal(state.namespaceLabels('nope'), undefined)
  t.same(state.policy().sources, ['base'])
  t.same(state.policy().globalNamespaces, ['default', 'shared'])
  t.match(state.stats(), {
    nads: 3,
    namespaces: 2,
    policyConfigMaps: 1,
    policyErrors: 0,
    sources: { nads: { reconnects: 0, relists: 0, failures: 0, staleSeconds: 0 } },
  })
  t.ok(
    fake.requests.some((r) => r.includes('network-attachment-definitions?continue=2&limit=2')),
    'NADs were listed in pages',
  )
  t.ok(
    fake.requests.some((r) => r.includes('labelSelector=multinet.io%2Fpolicy%3Dtrue')),
    'only labelled ConfigMaps are asked for',
  )
  t.equal(await state.waitForSync!(1), true, 'already synced: at once')
})

t.test('follows adds, updates and deletes', async (t) => {
  const fake = await started(t)
  const { state } = await open(t, fake)
  await state.waitForSync!(5000)
  fake.apply('nads', nad('team-a', 'new', '{"type":"ipvlan"}', { plane: 'data' }))
  await until(() => state.getNad('team-a', 'new') !== undefined, 30_000)
  t.same(state.getNad('team-a', 'new')?.labels, { plane: 'data' })
  fake.remove('nads', nad('default', 'br'))
  await until(() => state.getNad('default', 'br') === undefined, 30_000)
  fake.apply('namespaces', namespace('team-a', { tier: 'silver' }))
  await until(() => state.namespaceLabels('team-a')?.tier === 'silver', 30_000)
  fake.apply('configmaps', policyCm('extra', 'apiVersion: multinet.io/v1alpha1\n'))
  await until(() => state.policy().sources.length === 2, 30_000)
  t.same(state.policy().sources, ['base', 'extra'])
  fake.remove('configmaps', policyCm('extra', ''))
  await until(() => state.policy().sources.length === 1, 30_000)
})

t.test('an invalid policy ConfigMap keeps its last valid content, or fails closed', async (t) => {
  const fake = await started(t)
  const { state, lines } = await open(t, fake)
  await state.waitForSync!(5000)
  fake.apply('configmaps', policyCm('base', 'apiVersion: multinet.io/v1alpha1\nrules: 7\n'))
  await until(() => state.sync().problems.length > 0, 30_000)
  const [first, last] = state.sync().problems
  t.match(first, /^ConfigMap multinet-system\/base: policy\.yaml: rules/)
  t.equal(
    last,
    'ConfigMap multinet-system/base: its last valid content (seen by this process) stays in force',
  )
  t.same(state.policy().globalNamespaces, ['default', 'shared'], 'the valid content decides')
  t.ok(state.sync().synced, 'still ready: the policy can decide')
  t.equal(state.stats().policyErrors, 2)
  t.ok(lines.some((l) => l.msg === 'policy ConfigMaps invalid'))

  // A ConfigMap never seen valid (created while the webhook was down, say): fail closed.
  fake.apply('configmaps', policyCm('zz-new', 'apiVersion: multinet.io/v1alpha1\nrules: 7\n'))
  await until(() => !state.sync().synced, 30_000)
  t.match(
    state.sync().problems.at(-1),
    /^ConfigMap multinet-system\/zz-new does not validate and no valid copy of it is known/,
  )
  t.equal(
    state
      .policy()
      .decide(
        { namespace: 'default', namespaceLabels: {}, podLabels: {}, serviceAccount: 'default' },
        [{ namespace: 'default', name: 'br', labels: {} }],
      )[0]?.rule,
    'policy-unavailable',
  )
  fake.remove('configmaps', policyCm('zz-new', ''))
  fake.apply('configmaps', policyCm('base', 'apiVersion: multinet.io/v1alpha1\n'))
  await until(() => state.sync().synced && state.sync().problems.length === 0, 30_000)
  t.same(state.policy().sources, ['base'])
})

t.test('relists after 410 Gone and counts reconnects', async (t) => {
  const fake = await started(t)
  const { state, lines } = await open(t, fake)
  await state.waitForSync!(5000)
  await until(() => fake.openWatches === 3)
  fake.remove('nads', nad('default', 'br'))
  await until(() => state.getNad('default', 'br') === undefined, 30_000)
  fake.compact()
  fake.endWatches('gone')
  await until(() => state.stats().sources!.nads!.relists === 1, 30_000)
  fake.apply('nads', nad('default', 'after'))
  await until(() => state.getNad('default', 'after') !== undefined, 30_000)
  const s = state.stats().sources!
  t.match(s, {
    nads: { relists: 1, reconnects: 1 },
    namespaces: { relists: 1 },
    'policy-configmaps': { relists: 1 },
  })
  await until(() => fake.openWatches === 3)
  fake.endWatches('clean') // a server-side timeout: resume without a relist
  const all = () => Object.values(state.stats().sources!)
  await until(() => all().every((c) => c.reconnects === 2), 30_000)
  t.equal(state.stats().sources!.nads!.relists, 1)
  t.ok(lines.filter((l) => l.msg === 'watch reconnecting').length >= 6, 'each reconnect logged')
})

t.test('a failing list keeps the state unready and says why, then recovers', async (t) => {
  const fake = await started(t)
  fake.failLists = 4
  const { state } = await open(t, fake)
  t.equal(await state.waitForSync!(1), false, 'not synced within 1 ms')
  await until(() => state.sync().problems.some((p) => p.includes('etcd is sad')), 30_000)
  t.notOk(state.sync().synced)
  t.match(state.sync().problems.join('\n'), /initial list not complete \(HTTP 500: etcd is sad\)/)
  t.equal(await state.waitForSync!(5000), true)
  t.same(state.sync().problems, [])
  const failures = Object.values(state.stats().sources!).reduce((n, s) => n + s.failures, 0)
  t.equal(failures, 4)
})

t.test('a watch that cannot reconnect keeps serving and reports staleness', async (t) => {
  const fake = await started(t)
  // No policy store: its first write could race the shutdown and add a fourth problem.
  const { state } = await open(t, fake, { policyStore: '' })
  await state.waitForSync!(5000)
  await fake.close()
  await until(() => state.sync().problems.length === 3, 30_000)
  t.ok(state.sync().synced, 'synced stays true: the cache is served')
  t.match(state.sync().problems[0], /^nads: watch down for \d+\.\ds \(.*ECONNREFUSED.*\); serving/)
  t.ok(state.getNad('team-a', 'mac'), 'still answering from memory')
  await until(() => state.stats().sources!.nads!.staleSeconds > 0.05, 30_000)
})

t.test('a NAD not yet in the cache is looked up once, and a miss is not kept', async (t) => {
  const fake = await started(t)
  const { state, lines } = await open(t, fake)
  await state.waitForSync!(5000)
  const fresh = nad('team-a', 'fresh', '{"type":"vlan"}')
  fake.putQuietly('nads', fresh)
  t.equal(state.getNad('team-a', 'fresh'), undefined, 'the watch has not said anything')
  const [a, b] = await Promise.all([
    state.fetchNad('team-a', 'fresh'),
    state.fetchNad('team-a', 'fresh'),
  ])
  t.same(a?.cniTypes, ['vlan'])
  t.equal(a, b)
  const gets = fake.requests.filter((r) =>
    r.includes('/namespaces/team-a/network-attachment-definitions/fresh'),
  )
  t.equal(gets.length, 1, 'concurrent lookups share one GET')
  t.equal(state.getNad('team-a', 'fresh'), undefined, 'a lookup does not write the cache')
  t.ok(lines.some((l) => l.msg === 'NAD found by direct lookup before its watch event'))

  fake.removeQuietly('nads', fresh)
  t.equal(await state.fetchNad('team-a', 'fresh'), undefined, '404: no such NAD')
  fake.putQuietly('nads', fresh)
  t.ok(await state.fetchNad('team-a', 'fresh'), 'the miss was not remembered')

  t.same(await state.fetchNad('team-a', 'mac'), state.getNad('team-a', 'mac'), 'cached: no call')
  const before = fake.requests.length
  t.equal(await state.fetchNad('Team_A', 'x'), undefined, 'not a valid name: no call')
  t.equal(fake.requests.length, before)
})

t.test('a slow lookup gives up after the timeout', async (t) => {
  const fake = await started(t)
  const { state, lines } = await open(t, fake, { fetchTimeoutMs: 50 })
  await state.waitForSync!(5000)
  fake.getDelayMs = 30_000
  fake.putQuietly('nads', nad('team-a', 'slow'))
  const started_ = Date.now()
  await t.rejects(state.fetchNad('team-a', 'slow'), {
    message: 'the API server did not answer within 50 ms',
  })
  t.ok(Date.now() - started_ < 15_000, 'gave up long before the server answered')
  t.ok(lines.some((l) => l.msg === 'direct NAD lookup failed' && l.timeoutMs === 50))
})

t.test('a lookup that fails says what happened; only a 404 means missing', async (t) => {
  // Issue 11 item 4: a 403, a 5xx or a timeout used to read as "the NAD does not exist".
  const fake = await started(t)
  const { state, lines } = await open(t, fake)
  await state.waitForSync!(30_000)
  for (const code of [403, 500, 503]) {
    fake.lookupStatus = code
    await t.rejects(state.fetchNad('team-a', `x${code}`), {
      message: `the API server answered HTTP ${code}: injected nads failure`,
    })
    await t.rejects(state.fetchNamespaceLabels(`ns-${code}`), {
      message: `the API server answered HTTP ${code}: injected namespaces failure`,
    })
  }
  fake.lookupStatus = undefined
  t.equal(await state.fetchNad('team-a', 'nope'), undefined, '404: does not exist')
  t.equal(await state.fetchNamespaceLabels('nope'), undefined, '404: no such namespace')
  fake.putQuietly('namespaces', namespace('fresh', { tier: 'new' }))
  t.same(await state.fetchNamespaceLabels('fresh'), {
    'kubernetes.io/metadata.name': 'fresh',
    tier: 'new',
  })
  t.same(await state.fetchNamespaceLabels('team-a'), state.namespaceLabels('team-a'), 'cached')
  t.ok(lines.some((l) => l.msg === 'direct namespace lookup failed' && /403/.test(String(l.err))))
})

t.test('a stored NAD that does not validate is cached anyway, and logged', async (t) => {
  const fake = await started(t)
  fake.apply('nads', nad('team-a', 'broken', '{"plugins": 3}'))
  const { state, lines } = await open(t, fake)
  await state.waitForSync!(5000)
  t.ok(state.getNad('team-a', 'broken'), 'it exists: the agent decides')
  t.ok(lines.some((l) => l.msg === 'stored NAD does not validate' && l.nad === 'team-a/broken'))
})

t.test('warns when the watched namespace is not the policy namespace', async (t) => {
  const fake = await started(t)
  const { state, lines } = await open(t, fake, { namespace: 'elsewhere' })
  await state.waitForSync!(5000)
  t.equal(state.policy().sources.length, 0, 'no policy ConfigMaps there: the default')
  t.ok(lines.some((l) => typeof l.msg === 'string' && l.msg.startsWith('watching policy')))
})

t.test('loads the kubeconfig named by the options', async (t) => {
  const dir = t.testdir({ 'kc.yaml': 'apiVersion: v1\nkind: Config\nclusters: []\n' })
  await t.rejects(
    openKubeState({
      kubeconfig: `${dir}/kc.yaml`,
      namespace: NS,
      logger: captureLogger().logger,
      options: DEFAULT_ADMISSION_OPTIONS,
    }),
    { code: 'MN_ERR_KUBE_CONFIG' },
  )
})

const pod = (namespace: string, name: string, networks?: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    namespace,
    name,
    ...(networks !== undefined && { annotations: { 'k8s.v1.cni.cncf.io/networks': networks } }),
  },
})

t.test('pods that select a NAD are listed on demand, unfinished only, page by page', async (t) => {
  const fake = await started(t)
  for (let i = 0; i < 600; i++)
    fake.putQuietly('pods', pod('team-b', `p${i}`, i % 100 === 0 ? 'team-a/mac' : 'x'))
  fake.putQuietly('pods', pod('team-a', 'own', 'mac@net3'))
  fake.putQuietly('pods', pod('team-a', 'plain'))
  const { state } = await open(t, fake)
  t.same(await state.podsUsingNad('team-a', 'mac'), {
    ok: true,
    total: 7,
    examples: ['team-a/own', 'team-b/p0', 'team-b/p100', 'team-b/p200', 'team-b/p300'],
  })
  const lists = fake.requests.filter((r) => r.startsWith('GET /api/v1/pods'))
  t.equal(lists.length, 2, 'two pages of 500')
  t.match(lists[0], /fieldSelector=status\.phase%21%3DSucceeded%2Cstatus\.phase%21%3DFailed/)
  t.same(await state.podsUsingNad('team-a', 'nobody'), { ok: true, total: 0, examples: [] })
})

t.test('a pod list that fails or is too slow is an answer too, with the reason', async (t) => {
  const fake = await started(t)
  // The bound only has to be shorter than the injected 30 s delay: a busy machine must not
  // make the failing list look slow.
  const { state, lines } = await open(t, fake, { usageTimeoutMs: 3000 })
  await state.waitForSync!(5000)
  fake.failLists = 1
  t.match(await state.podsUsingNad('team-a', 'mac'), { ok: false, reason: /500|etcd is sad/ })
  fake.podListDelayMs = 30_000
  t.same(await state.podsUsingNad('team-a', 'mac'), {
    ok: false,
    reason: 'the pod list took longer than 3000 ms',
  })
  t.equal(lines.filter((l) => l.msg === 'could not list pods to check NAD usage').length, 2)
})

t.test(
  'the last valid content of each policy ConfigMap is persisted and survives a restart',
  async (t) => {
    // Issue 11 item 1: restarted while a policy ConfigMap is invalid, the webhook used to decide
    // with the built-in default (and say it was ready).
    const fake = await started(t)
    const store = () =>
      fake.objects.configmaps.get(`${NS}/multinet-policy-last-good`) as
        { data?: Record<string, string>; metadata: { labels?: Record<string, string> } } | undefined
    const first = await open(t, fake)
    await first.state.waitForSync!(30_000)
    await until(() => store()?.data?.[`${NS}.base`] !== undefined, 30_000)
    t.same(JSON.parse(store()!.data![`${NS}.base`]!), {
      namespace: NS,
      name: 'base',
      data: { 'policy.yaml': POLICY },
    })
    t.notOk(store()!.metadata.labels?.[LABEL], 'the store is never read as policy')
    fake.apply('configmaps', policyCm('zz-extra', 'apiVersion: multinet.io/v1alpha1\n'))
    await until(() => store()?.data?.[`${NS}.zz-extra`] !== undefined, 30_000)
    fake.remove('configmaps', policyCm('zz-extra', ''))
    await until(() => store()?.data?.[`${NS}.zz-extra`] === undefined, 30_000)
    await first.state.close()

    // Made invalid while no webhook ran: the next one starts with the persisted copy.
    fake.apply('configmaps', policyCm('base', 'apiVersion: multinet.io/v1alpha1\nrules: 7\n'))
    const second = await open(t, fake)
    t.equal(await second.state.waitForSync!(30_000), true, 'ready: the policy can decide')
    t.same(second.state.policy().globalNamespaces, ['default', 'shared'])
    t.match(
      second.state.sync().problems.at(-1),
      /its last valid content \(persisted in ConfigMap multinet-system\/multinet-policy-last-good\) stays in force/,
    )
    t.match(
      JSON.parse(store()!.data![`${NS}.base`]!),
      { data: { 'policy.yaml': POLICY } },
      'the copy is not overwritten by the invalid content',
    )
    await second.state.close()

    // Without the store (or with it lost), the same start fails closed and is not ready.
    const third = await open(t, fake, { policyStore: '' })
    t.equal(await third.state.waitForSync!(300), false)
    t.match(third.state.sync().problems, [
      /^ConfigMap multinet-system\/base: policy\.yaml: rules/,
      /^ConfigMap multinet-system\/base does not validate and no valid copy of it is known/,
    ])
  },
)

t.test('a policy store that cannot be read fails closed only where a copy is needed', async (t) => {
  const fake = await started(t)
  fake.configMapStatus = 403
  const { state, lines } = await open(t, fake)
  t.equal(await state.waitForSync!(30_000), true, 'all ConfigMaps valid: no copy needed')
  await until(() => state.sync().problems.some((p) => p.includes('HTTP 403')), 30_000)
  t.match(state.sync().problems, [
    'cannot read ConfigMap multinet-system/multinet-policy-last-good: HTTP 403: injected failure',
  ])
  t.ok(lines.some((l) => l.msg === 'policy store: will retry'))
  fake.apply('configmaps', policyCm('zz-bad', 'apiVersion: multinet.io/v1alpha1\nrules: 7\n'))
  await until(() => !state.sync().synced, 30_000)
  fake.configMapStatus = undefined
  await until(() => !state.sync().problems.some((p) => p.includes('HTTP 403')), 30_000)
  t.notOk(state.sync().synced, 'the store answers now, but holds no copy of zz-bad')
})
