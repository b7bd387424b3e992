import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { DEFAULT_ADMISSION_OPTIONS as OPTIONS } from '../../src/admission/options.js'
import {
  openFileState,
  POLL_INTERVAL_MS,
  type FileStateOptions,
} from '../../src/cluster/file-state.js'
import type { StateSource } from '../../src/cluster/source.js'
import { until } from '../fixtures/cluster/fake-watcher.js'
import { captureLogger } from '../fixtures/cluster/log-capture.js'

/**
 * The dev mode promises an edit is seen within a second: that is the poll period (asserted below),
 * not a wall-clock bound a loaded CI machine could break, so waits here are generous.
 */
const WITHIN = 30_000

t.test('the folder is polled well within the one-second promise', async (t) => {
  t.ok(POLL_INTERVAL_MS <= 500, `poll period ${POLL_INTERVAL_MS} ms`)
})

const nad = (ns: string, name: string, type = 'bridge') => `apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: { name: ${name}, namespace: ${ns} }
spec:
  config: '{"cniVersion": "1.0.0", "type": "${type}"}'
`
const namespace = (name: string, labels: string) =>
  `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${name}, labels: ${labels} }\n`
const policy = (name: string, body: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  namespace: multinet-system
  labels: { multinet.io/policy: "true" }
data:
  policy.yaml: |
    apiVersion: multinet.io/v1alpha1
${body
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}
`
const BROKEN_YAML = 'kind: [unclosed\n'

async function open(
  t: Test,
  dir: string,
  opts: Partial<FileStateOptions> = {},
): Promise<{ state: StateSource; lines: ReturnType<typeof captureLogger>['lines'] }> {
  const { logger, lines } = captureLogger()
  const state = await openFileState(dir, { watch: false, logger, options: OPTIONS, ...opts })
  t.teardown(() => state.close())
  return { state, lines }
}

t.test('a folder of manifests answers like a cluster', async (t) => {
  const dir = t.testdir({
    'nads.yaml': `${nad('team-a', 'br')}---\n${nad('team-b', 'mac', 'macvlan')}`,
    'namespaces.json': JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: 'team-a', labels: { tier: 'gold' } },
        },
      ],
    }),
    policy: { 'base.yaml': policy('base', 'globalNamespaces: [default, shared]') },
    'pod.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: { name: p }\n',
    'README.md': '# not a manifest',
  })
  const { state } = await open(t, dir, { strict: true })
  t.same(
    await state.podsUsingNad('team-a', 'br'),
    { ok: true, total: 0, examples: [] },
    'a Pod manifest is a declaration, not a running pod',
  )
  t.same(state.getNad('team-b', 'mac'), {
    namespace: 'team-b',
    name: 'mac',
    labels: {},
    annotations: {},
    cniTypes: ['macvlan'],
  })
  t.equal(await state.fetchNad('team-a', 'br'), state.getNad('team-a', 'br'))
  t.equal(await state.fetchNad('team-a', 'nope'), undefined)
  t.same(state.namespaceLabels('team-a'), { tier: 'gold', 'kubernetes.io/metadata.name': 'team-a' })
  t.same(state.namespaceLabels('team-b'), { 'kubernetes.io/metadata.name': 'team-b' }, 'implied')
  t.equal(state.namespaceLabels('elsewhere'), undefined)
  t.same(state.policy().sources, ['base'])
  t.same(state.policy().globalNamespaces, ['default', 'shared'])
  t.same(state.sync(), { synced: true, problems: [] })
  t.equal(await state.waitForSync!(10), true)
  t.same(state.stats(), { nads: 2, namespaces: 3, policyConfigMaps: 1, policyErrors: 0 })
  await state.close()
  await state.close() // idempotent
})

t.test('strict: any broken manifest is an error naming the file', async (t) => {
  const dir = t.testdir({ 'good.yaml': nad('a', 'x'), 'bad.yaml': BROKEN_YAML })
  await t.rejects(open(t, dir, { strict: true }), {
    code: 'MN_ERR_MANIFEST_INVALID',
    message: new RegExp(`^invalid manifest ${join(dir, 'bad.yaml')}: invalid YAML: `),
  })
  const nadDir = t.testdir({ 'n.yaml': nad('a', 'x', '') })
  await t.rejects(open(t, nadDir, { strict: true }), {
    message: /n\.yaml \(NetworkAttachmentDefinition a\/x\): spec\.config.*\[nad\./,
  })
  const twice = t.testdir({ 'a.yaml': nad('a', 'x'), 'b.yaml': nad('a', 'x') })
  await t.rejects(open(t, twice, { strict: true }), {
    message: /b\.yaml: NetworkAttachmentDefinition a\/x is defined again \(first in .*a\.yaml\)/,
  })
  const badPolicy = t.testdir({ 'p.yaml': policy('p', 'rules: 3') })
  await t.rejects(open(t, badPolicy, { strict: true }), {
    message: /p\.yaml: ConfigMap multinet-system\/p: policy\.yaml: rules.*\[policy\.invalid\]/,
    details: {
      problems: [/p\.yaml/, /no valid copy of it is known: pods that select networks are refused/],
    },
  })
})

t.test('a folder that cannot be read is a start-up error in every mode', async (t) => {
  for (const strict of [true, false]) {
    await t.rejects(open(t, '/nonexistent/multinet-state', { strict }), {
      code: 'MN_ERR_FILE_READ',
      message: /^cannot read \/nonexistent\/multinet-state: ENOENT/,
    })
  }
})

t.test('non-strict: broken files are reported, the rest is served', async (t) => {
  const dir = t.testdir({ 'good.yaml': nad('a', 'x'), 'bad.yaml': BROKEN_YAML })
  const { state, lines } = await open(t, dir)
  t.ok(state.getNad('a', 'x'))
  t.match(state.sync().problems, [new RegExp(`^${join(dir, 'bad.yaml')}: invalid YAML: `)])
  t.ok(lines.some((l) => l.msg === 'broken manifest; nothing of it is used'))
})

t.test('watching: edits, new files and deletions apply within a second', async (t) => {
  const dir = t.testdir({ 'a.yaml': nad('team-a', 'one') })
  const { state, lines } = await open(t, dir, { watch: true })
  const file = (name: string) => join(dir, name)

  writeFileSync(file('a.yaml'), nad('team-a', 'one', 'macvlan'))
  await until(() => state.getNad('team-a', 'one')?.cniTypes[0] === 'macvlan', WITHIN)

  writeFileSync(file('b.yaml'), nad('team-b', 'two'))
  await until(() => state.getNad('team-b', 'two') !== undefined, WITHIN)

  mkdirSync(file('ns'))
  writeFileSync(file('ns/x.yaml'), namespace('team-b', '{ tier: silver }'))
  await until(() => state.namespaceLabels('team-b')?.tier === 'silver', WITHIN)

  // An atomic replace (editors, kubectl-style tooling): new inode, same name.
  writeFileSync(file('tmp.swp'), nad('team-b', 'two', 'ipvlan'))
  renameSync(file('tmp.swp'), file('b.yaml'))
  await until(() => state.getNad('team-b', 'two')?.cniTypes[0] === 'ipvlan', WITHIN)

  rmSync(file('b.yaml'))
  await until(() => state.getNad('team-b', 'two') === undefined, WITHIN)
  t.same(state.namespaceLabels('team-b'), {
    tier: 'silver',
    'kubernetes.io/metadata.name': 'team-b',
  })
  t.ok(lines.some((l) => l.msg === 'state folder read' && Array.isArray(l.changed)))
})

t.test('watching: which definition wins follows the path order, not history', async (t) => {
  const dir = t.testdir({ 'z.yaml': nad('team-a', 'dup', 'bridge') })
  const { state } = await open(t, dir, { watch: true })
  writeFileSync(join(dir, 'a.yaml'), nad('team-a', 'dup', 'macvlan'))
  await until(() => state.sync().problems.length === 1, WITHIN)
  t.same(state.getNad('team-a', 'dup')?.cniTypes, ['bridge'], 'z.yaml comes later')
  t.equal(
    state.sync().problems[0],
    `${join(dir, 'z.yaml')}: NetworkAttachmentDefinition team-a/dup is defined again (first in ${join(dir, 'a.yaml')}); the later one is used`,
  )
})

t.test('watching: a broken edit keeps the last good content until fixed', async (t) => {
  const dir = t.testdir({ 'a.yaml': nad('team-a', 'one') })
  const { state, lines } = await open(t, dir, { watch: true })
  const file = join(dir, 'a.yaml')

  writeFileSync(file, `${nad('team-a', 'one', 'macvlan')}---\n${BROKEN_YAML}`)
  await until(() => state.sync().problems.length === 1, WITHIN)
  t.match(state.sync().problems[0], new RegExp(`^${file}: document 2: invalid YAML: `))
  t.same(state.getNad('team-a', 'one')?.cniTypes, ['bridge'], 'the last good content stays')
  t.ok(state.sync().synced)
  t.ok(lines.some((l) => l.msg === 'broken manifest; its previous content stays in use'))

  writeFileSync(file, nad('team-a', 'one', 'vlan'))
  await until(() => state.sync().problems.length === 0, WITHIN)
  t.same(state.getNad('team-a', 'one')?.cniTypes, ['vlan'])
})

t.test('watching: the policy follows its ConfigMaps; a new broken one fails closed', async (t) => {
  const dir = t.testdir({ 'p.yaml': policy('base', 'globalNamespaces: [default]') })
  const { state } = await open(t, dir, { watch: true })
  t.same(state.policy().globalNamespaces, ['default'])

  writeFileSync(join(dir, 'p.yaml'), policy('base', 'globalNamespaces: [default, infra]'))
  await until(() => state.policy().globalNamespaces.includes('infra'), WITHIN)

  writeFileSync(join(dir, 'q.yaml'), policy('extra', 'rules: {}'))
  await until(() => state.sync().problems.length > 0, WITHIN)
  // Never seen valid, so no copy of it can stand in: the policy refuses (issue 11 item 1).
  t.match(state.sync().problems, [
    /q\.yaml: ConfigMap multinet-system\/extra: /,
    /q\.yaml: ConfigMap multinet-system\/extra does not validate and no valid copy of it is known/,
  ])
  t.same(state.policy().sources, ['base'])
  t.equal(state.stats().policyErrors, 2)
  const refused = state
    .policy()
    .decide({ namespace: 'a', namespaceLabels: {}, podLabels: {}, serviceAccount: 'default' }, [
      { namespace: 'a', name: 'n', labels: {} },
    ])
  t.equal(refused[0]?.rule, 'policy-unavailable')
  t.equal(state.sync().synced, false, 'not ready while the policy fails closed')

  rmSync(join(dir, 'q.yaml'))
  await until(() => state.sync().problems.length === 0, WITHIN)
  t.equal(state.sync().synced, true, 'ready again')
})

t.test('watching: a folder that disappears keeps the state and says so', async (t) => {
  const root = t.testdir({ state: { 'a.yaml': nad('team-a', 'one') } })
  const dir = join(root, 'state')
  const { state } = await open(t, dir, { watch: true })
  rmSync(dir, { recursive: true })
  await until(() => state.sync().problems.length === 1, WITHIN)
  t.match(state.sync().problems[0], `${dir}: cannot read the folder: ENOENT`)
  t.ok(state.getNad('team-a', 'one'), 'still served')
  mkdirSync(dir)
  writeFileSync(join(dir, 'b.yaml'), nad('team-b', 'two'))
  await until(() => state.getNad('team-b', 'two') !== undefined, WITHIN)
  t.equal(state.getNad('team-a', 'one'), undefined)
  t.same(state.sync().problems, [])
})

t.test('after close, edits are no longer read', async (t) => {
  const dir = t.testdir({ 'a.yaml': nad('team-a', 'one') })
  const { state } = await open(t, dir, { watch: true })
  await state.close()
  writeFileSync(join(dir, 'b.yaml'), nad('team-b', 'two'))
  await new Promise((r) => setTimeout(r, 600))
  t.equal(state.getNad('team-b', 'two'), undefined)
})

t.test('a file that cannot be read is reported with the reason', async (t) => {
  const dir = t.testdir({ 'a.yaml': nad('team-a', 'one'), 'locked.yaml': nad('team-b', 'two') })
  const real = await import('node:fs/promises')
  const { openFileState: openMocked } = await t.mockImport<
    typeof import('../../src/cluster/file-state.js')
  >('../../src/cluster/file-state.js', {
    'node:fs/promises': {
      ...real,
      open: async (path: string, flags: string) => {
        if (path.endsWith('locked.yaml')) throw new Error('EACCES: permission denied')
        return real.open(path, flags)
      },
    },
  })
  const state = await openMocked(dir, {
    watch: false,
    logger: captureLogger().logger,
    options: OPTIONS,
  })
  t.same(state.sync().problems, [
    `${join(dir, 'locked.yaml')}: cannot read: EACCES: permission denied`,
  ])
  t.ok(state.getNad('team-a', 'one'))
  await state.close()
})

// Issue 11 #11: a file that uses an anchor too often crashed `multinet webhook` in folder mode.
t.test('watching: an alias bomb or an oversized file is a per-file problem', async (t) => {
  const dir = t.testdir({ 'a.yaml': nad('team-a', 'one') })
  const { state } = await open(t, dir, { watch: true })
  const file = join(dir, 'a.yaml')
  const uses = Array.from({ length: 1_500 }, () => '- *ns').join('\n')
  writeFileSync(
    file,
    `apiVersion: v1\nkind: List\nitems:\n- &ns {apiVersion: v1, kind: Namespace, metadata: {name: x}}\n${uses}\n`,
  )
  await until(() => state.sync().problems.length === 1, WITHIN)
  t.match(state.sync().problems[0], `${file}: invalid YAML: Excessive alias count`)
  t.same(state.getNad('team-a', 'one')?.cniTypes, ['bridge'], 'the last good content stays')

  writeFileSync(file, nad('team-a', 'one', 'vlan'))
  await until(() => state.sync().problems.length === 0, WITHIN)
  writeFileSync(file, Buffer.alloc(16 * 1024 * 1024 + 1, 0x20))
  await until(() => state.sync().problems.length === 1, WITHIN)
  t.match(
    state.sync().problems[0],
    `${file}: cannot read: 16777217 bytes; files over 16777216 bytes are not read`,
  )
  t.same(state.getNad('team-a', 'one')?.cniTypes, ['vlan'], 'the last good content stays')
})
