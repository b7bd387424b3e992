import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildPlan } from '../../src/agent/plan.js'
import { checkContainerId, PlanStore } from '../../src/agent/plan-store.js'

function plan(containerId: string) {
  return buildPlan({
    containerId,
    netns: '/run/netns/x',
    ifName: 'eth0',
    args: [['K8S_POD_NAME', 'p']],
    pod: { namespace: 'ns', name: 'p', uid: 'u' },
    cniVersion: '1.0.0',
    primary: { cniVersion: '1.0.0', name: 'cluster', type: 'bridge' },
    runtimeConfig: {},
    networks: [],
  })
}

async function store(t: { teardown(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'mnag-store-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const s = new PlanStore(dir)
  await s.init()
  return s
}

t.test('write, read, list, remove; files are 0600 in a 0700 directory', async (t) => {
  const s = await store(t)
  t.equal(statSync(s.dir).mode & 0o777, 0o700)
  t.same(await s.read('abc'), { kind: 'missing' })
  const p = plan('abc')
  await s.write(p)
  p.attachments[0]!.state = 'added'
  await s.write(p)
  t.equal(statSync(s.pathOf('abc')).mode & 0o777, 0o600)
  const read = await s.read('abc')
  t.equal(read.kind, 'found')
  t.same(read.kind === 'found' && read.plan, JSON.parse(JSON.stringify(p)))
  await s.write(plan('b.2_x-y'))
  t.same(await s.list(), ['abc', 'b.2_x-y'])
  t.same(
    readdirSync(s.dir).filter((n) => n.includes('.tmp-')),
    [],
    'no temp files left',
  )
  await s.remove('abc')
  await s.remove('abc')
  t.same(await s.list(), ['b.2_x-y'])
})

t.test('a truncated or foreign file is reported corrupt and moved aside, once', async (t) => {
  const s = await store(t)
  await s.write(plan('c1'))
  const text = readFileSync(s.pathOf('c1'), 'utf8')
  writeFileSync(s.pathOf('c1'), text.slice(0, 40))
  const read = await s.read('c1')
  t.match(read, { kind: 'corrupt', reason: /^not JSON \(40 bytes; truncated\?\)/ })
  t.same(await s.read('c1'), { kind: 'missing' }, 'the next read does not see it again')
  t.ok(readdirSync(s.dir).some((n) => n.startsWith('c1.json.corrupt-')))
  const cases: [unknown, RegExp][] = [
    [[1], /not a JSON object/],
    [{ ...plan('c1'), version: 9 }, /plan version 9, expected 1/],
    [{ ...plan('other') }, /holds container "other", not c1/],
    [{ ...plan('c1'), attachments: [] }, /has no attachments/],
    [{ ...plan('c1'), attachments: [{ network: 'x' }] }, /attachment 0 lacks/],
    [{ ...plan('c1'), args: 'x' }, /lacks args, pod or netns/],
  ]
  for (const [value, reason] of cases) {
    writeFileSync(s.pathOf('c1'), JSON.stringify(value))
    t.match(await s.read('c1'), { kind: 'corrupt', reason })
  }
})

t.test('init removes temp files of interrupted writes; container IDs are checked', async (t) => {
  const s = await store(t)
  writeFileSync(join(s.dir, 'x.json.tmp-1-abcd'), '{')
  await s.init()
  t.same(readdirSync(s.dir), [])
  t.throws(() => s.pathOf('../etc/passwd'), { code: 4, message: /is not a container ID/ })
  t.throws(() => checkContainerId(''), { code: 4 })
  t.throws(() => checkContainerId('-x'), { code: 4 })
})

t.test('durable writes fsync the directory, shared by concurrent writers', async (t) => {
  const s = await store(t)
  await s.write(plan('d1'))
  await s.write(plan('d2'))
  t.equal(s.dirSyncs, 2, 'one directory fsync per durable write when they do not overlap')
  const p = plan('d1')
  p.attachments[0]!.state = 'added'
  await s.write(p, { durable: false })
  t.equal(s.dirSyncs, 2, 'a write without durability does not sync')
  t.match(await s.read('d1'), { kind: 'found', plan: { attachments: [{ state: 'added' }] } })
  const ids = Array.from({ length: 20 }, (_, i) => `burst${i}`)
  await Promise.all(ids.map((id) => s.write(plan(id))))
  for (const id of ids) t.equal((await s.read(id)).kind, 'found', id)
  const burst = s.dirSyncs - 2
  t.ok(burst >= 1 && burst <= 20, `${burst} directory fsyncs for 20 concurrent writes`)
  t.same(
    readdirSync(s.dir).filter((n) => n.includes('.tmp-')),
    [],
    'no temp files left',
  )
})
