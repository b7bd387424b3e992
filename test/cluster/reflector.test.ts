import t from 'tap'
import type { ListFn, ListPage, ReflectorSpec } from '../../src/cluster/list-watch.js'
import { Reflector, type ReflectorOptions } from '../../src/cluster/reflector.js'
import { FakeWatcher, until } from '../fixtures/cluster/fake-watcher.js'
import { captureLogger } from '../fixtures/cluster/log-capture.js'

interface Item {
  v: number
}

const obj = (name: string, v: number, rv = String(v), namespace = 'ns') => ({
  metadata: { namespace, name, resourceVersion: rv },
  v,
})

function keyOf(o: unknown): string | undefined {
  const m = (o as { metadata?: { namespace?: string; name?: string } }).metadata
  return m?.name ? `${m.namespace}/${m.name}` : undefined
}

/** A list function answering from a queue of pages or errors; records each request. */
function scriptedList(steps: (ListPage | Error)[]) {
  const requests: { limit: number; continueToken?: string; signal: AbortSignal }[] = []
  const list: ListFn = async (page, signal) => {
    requests.push({ ...page, signal })
    const step = steps.shift()
    if (step === undefined) return new Promise<ListPage>(() => {}) // hangs, like a slow server
    if (step instanceof Error) throw step
    return step
  }
  return { list, requests }
}

function setup(steps: (ListPage | Error)[], extra: Partial<ReflectorOptions> = {}) {
  const watcher = new FakeWatcher()
  const { logger, lines } = captureLogger()
  const { list, requests } = scriptedList(steps)
  const clock = { now: 1_000_000 }
  let changes = 0
  const spec: ReflectorSpec<Item> = {
    name: 'things',
    path: '/apis/x/v1/things',
    labelSelector: 'a=b',
    list,
    keyOf,
    convert: (o) => ({ v: (o as { v: number }).v }),
  }
  const r = new Reflector(spec, {
    watcher,
    logger,
    onChange: () => void changes++,
    backoff: { initialMs: 1, maxMs: 4, factor: 2, jitter: 0 },
    pageSize: 2,
    watchTimeoutSeconds: [10, 10],
    now: () => clock.now,
    random: () => 0,
    ...extra,
  })
  return { r, watcher, lines, requests, clock, changes: () => changes }
}

const page = (items: unknown[], rv: string, continueToken?: string): ListPage => ({
  items,
  resourceVersion: rv,
  continueToken,
})

t.test('lists page by page, then watches from the list resourceVersion', async (t) => {
  const { r, watcher, requests, changes } = setup([
    page([obj('a', 1), obj('b', 2)], '', 'next'),
    page([obj('c', 3)], '10'),
  ])
  t.equal(r.problem(), 'things: initial list not complete', 'not ready before the list')
  r.start()
  r.start() // idempotent
  await until(() => watcher.calls.length === 1)
  t.same(
    requests.map(({ limit, continueToken }) => ({ limit, continueToken })),
    [
      { limit: 2, continueToken: undefined },
      { limit: 2, continueToken: 'next' },
    ],
  )
  t.ok(r.isSynced())
  t.equal(r.size, 3)
  t.same(r.get('ns/c'), { v: 3 })
  t.same([...r.values()].map((i) => i.v).sort(), [1, 2, 3])
  t.equal(changes(), 1, 'one change for the whole list')
  t.equal(watcher.last.path, '/apis/x/v1/things')
  t.same(watcher.last.query, {
    resourceVersion: '10',
    allowWatchBookmarks: true,
    timeoutSeconds: 10,
    labelSelector: 'a=b',
  })
  t.equal(r.problem(), undefined, 'live once the watch is up')
  t.same(r.counters(), { reconnects: 0, relists: 0, failures: 0, staleSeconds: 0 })
  r.stop()
})

t.test('applies watch events and resumes from the newest resourceVersion', async (t) => {
  const { r, watcher, changes } = setup([page([obj('a', 1)], '5')])
  r.start()
  await until(() => watcher.calls.length === 1)
  const w = watcher.last
  w.emit('ADDED', obj('b', 2, '6'))
  w.emit('MODIFIED', obj('a', 7, '7'))
  w.emit('DELETED', obj('b', 2, '8'))
  w.emit('DELETED', { metadata: {} }) // no key: ignored
  w.emit('BOOKMARK', { metadata: { resourceVersion: '9' } })
  w.emit('SOMETHING-NEW', obj('z', 1, '99'))
  t.same(r.get('ns/a'), { v: 7 })
  t.equal(r.get('ns/b'), undefined)
  t.equal(changes(), 1 + 4, 'list + add + modify + two deletes; bookmarks are no change')
  w.end() // a clean close after events: the server's timeout, resume at once
  await until(() => watcher.calls.length === 2)
  t.equal(watcher.last.query.resourceVersion, '9', 'the bookmark moved the resourceVersion')
  t.equal(r.counters().reconnects, 1)
  t.equal(r.counters().failures, 0)
  r.stop()
})

t.test('410 Gone in the stream or on connect relists and counts it', async (t) => {
  const { r, watcher, requests, lines } = setup([
    page([obj('a', 1), obj('b', 1)], '5'),
    page([obj('a', 2)], '50'),
    page([obj('a', 3)], '60'),
  ])
  r.start()
  await until(() => watcher.calls.length === 1)
  watcher.last.emit('ERROR', { kind: 'Status', code: 410, message: 'too old resource version' })
  watcher.last.end()
  await until(() => watcher.calls.length === 2)
  t.equal(requests.length, 2, 'relisted')
  t.equal(r.get('ns/b'), undefined, 'objects gone from the new list are gone')
  t.same(r.get('ns/a'), { v: 2 })
  t.equal(watcher.last.query.resourceVersion, '50')
  watcher.script.push({ refuse: Object.assign(new Error('Gone'), { statusCode: 410 }) })
  watcher.last.end(new Error('connection reset'))
  await until(() => r.counters().relists === 2)
  await until(() => watcher.calls.length === 4)
  t.same(r.get('ns/a'), { v: 3 })
  t.match(r.counters(), { relists: 2, reconnects: 3 })
  t.ok(lines.some((l) => l.msg === 'relisted'))
  t.ok(
    lines.some((l) => l.msg === 'watch reconnecting' && l.reconnects === 3),
    'logged',
  )
  r.stop()
})

t.test('a failing initial list retries with backoff and says why', async (t) => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), {
    code: 'ECONNREFUSED',
  })
  const forbidden = Object.assign(new Error('forbidden'), { code: 403 })
  const { r, watcher, lines } = setup([refused, forbidden, page([obj('a', 1)], '3')])
  r.start()
  await until(() => r.counters().failures === 2)
  t.notOk(r.isSynced())
  t.equal(r.problem(), 'things: initial list not complete (HTTP 403: forbidden)')
  await until(() => watcher.calls.length === 1)
  t.ok(r.isSynced())
  t.equal(r.problem(), undefined)
  const warns = lines.filter((l) => l.msg === 'list failed')
  t.same(
    warns.map((l) => [l.err, l.retryInMs]),
    [
      ['connect ECONNREFUSED 127.0.0.1:6443', 1],
      ['HTTP 403: forbidden', 2],
    ],
    'each retry waits longer',
  )
  r.stop()
})

t.test('a watch that stays down keeps the cache and reports staleness', async (t) => {
  const { r, watcher, clock } = setup([page([obj('a', 1)], '3')])
  r.start()
  await until(() => watcher.calls.length === 1)
  watcher.script.push(
    { refuse: new Error('connect ECONNREFUSED') },
    { reject: new Error('No currently active cluster') },
  )
  watcher.last.end(new Error('socket hang up'))
  await until(() => watcher.calls.length === 3)
  clock.now += 12_500
  t.equal(
    r.problem(),
    'things: watch down for 12.5s (No currently active cluster); serving the cached copy',
  )
  t.match(r.counters(), { failures: 3, staleSeconds: 12.5 })
  t.same(r.get('ns/a'), { v: 1 }, 'still serving')
  await until(() => watcher.calls.length === 4)
  await until(() => r.problem() === undefined)
  t.equal(r.counters().staleSeconds, 0)
  t.equal(r.counters().relists, 0, 'resumed from the resourceVersion, no relist')
  t.equal(watcher.last.query.resourceVersion, '3')
  r.stop()
})

t.test('a clean close without events right after connecting counts as a failure', async (t) => {
  const slow = { initialMs: 100, maxMs: 100, factor: 1, jitter: 0 }
  const { r, watcher } = setup([page([], '3')], { minWatchLifeMs: 60_000, backoff: slow })
  r.start()
  await until(() => watcher.calls.length === 1)
  watcher.last.end()
  await until(() => r.counters().failures === 1)
  t.match(r.problem(), /watch closed at once/)
  await until(() => watcher.calls.length === 2)
  watcher.last.emit('ERROR', { code: 500, message: 'internal error' })
  watcher.last.end()
  await until(() => r.counters().failures === 2)
  t.match(r.problem(), /internal error/)
  await until(() => watcher.calls.length === 3)
  watcher.last.emit('ERROR', { code: 500 })
  watcher.last.end()
  await until(() => r.counters().failures === 3)
  t.match(r.problem(), /watch ERROR event/)
  r.stop()
})

t.test('a silent watch is abandoned after its timeout plus grace', async (t) => {
  const { r, watcher } = setup([page([], '3')], {
    watchTimeoutSeconds: [0, 0],
    watchdogGraceMs: 5,
    backoff: { initialMs: 100, maxMs: 100, factor: 1, jitter: 0 },
  })
  r.start()
  await until(() => r.counters().failures === 1)
  t.ok(watcher.calls[0]!.aborted, 'the dead connection was aborted')
  t.match(r.problem(), /watch silent for 0s/)
  r.stop()
})

t.test('objects that cannot be keyed or converted are skipped, not fatal', async (t) => {
  const watcher = new FakeWatcher()
  const { logger, lines } = captureLogger()
  const r = new Reflector<number>(
    {
      name: 'odd',
      path: '/p',
      list: async () => page([obj('good', 1), { metadata: {} }, obj('bad', -1)], '1'),
      keyOf,
      convert: (o) => {
        const v = (o as { v: number }).v
        if (v < 0) throw new Error('negative')
        return v
      },
    },
    { watcher, logger },
  )
  r.start()
  await until(() => watcher.calls.length === 1)
  t.equal(r.size, 1)
  t.equal(r.name, 'odd')
  watcher.last.emit('ADDED', obj('worse', -2, '2'))
  t.equal(r.size, 1)
  t.equal(lines.filter((l) => l.msg === 'cannot convert object; skipped').length, 2)
  r.stop()
})

t.test('stop aborts a running list or watch and nothing restarts', async (t) => {
  const a = setup([]) // the list hangs
  a.r.start()
  await until(() => a.requests.length === 1)
  a.r.stop()
  t.ok(a.requests[0]!.signal.aborted, 'list aborted')

  const b = setup([page([], '1')])
  b.r.start()
  await until(() => b.watcher.calls.length === 1)
  b.r.stop()
  t.ok(b.watcher.last.aborted, 'watch aborted')
  b.watcher.last.end(new Error('aborted'))
  b.r.start() // a stopped reflector stays stopped
  await new Promise((r) => setTimeout(r, 20))
  t.equal(b.watcher.calls.length, 1)

  // stop while the watch is connecting: the late handle is aborted as soon as it arrives
  const c = setup([page([], '1')])
  let release: (() => void) | undefined
  const slow = new FakeWatcher()
  const original = slow.watch.bind(slow)
  slow.watch = async (...args) => {
    await new Promise<void>((r) => (release = r))
    return original(...args)
  }
  const d = new Reflector(
    { name: 'slow', path: '/p', list: async () => page([], '1'), keyOf, convert: () => 1 },
    { watcher: slow, logger: captureLogger().logger },
  )
  d.start()
  await until(() => release !== undefined)
  d.stop()
  release!()
  await until(() => slow.calls.length === 1)
  await until(() => slow.last.aborted)
  t.pass('late handle aborted')
  c.r.stop()
})

t.test('a list that fails after stop is not retried', async (t) => {
  let fail: ((err: Error) => void) | undefined
  const watcher = new FakeWatcher()
  const r = new Reflector(
    {
      name: 'x',
      path: '/p',
      list: () => new Promise<ListPage>((_, reject) => (fail = reject)),
      keyOf,
      convert: () => 1,
    },
    { watcher, logger: captureLogger().logger },
  )
  r.start()
  await until(() => fail !== undefined)
  r.stop()
  fail!(new Error('aborted'))
  await new Promise((res) => setTimeout(res, 20))
  t.equal(r.counters().failures, 0)
  t.equal(watcher.calls.length, 0)
})

t.test('a page that arrives after stop is dropped', async (t) => {
  let deliver: ((p: ListPage) => void) | undefined
  const watcher = new FakeWatcher()
  const r = new Reflector(
    {
      name: 'x',
      path: '/p',
      list: () => new Promise<ListPage>((res) => (deliver = res)),
      keyOf,
      convert: () => 1,
    },
    { watcher, logger: captureLogger().logger },
  )
  r.start()
  await until(() => deliver !== undefined)
  r.stop()
  deliver!(page([obj('a', 1)], '1'))
  await new Promise((res) => setTimeout(res, 20))
  t.equal(r.size, 0)
  t.notOk(r.isSynced())
  t.equal(watcher.calls.length, 0)
})
