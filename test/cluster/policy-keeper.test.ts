import t from 'tap'
import { PolicyKeeper } from '../../src/cluster/policy-keeper.js'
import { PolicySet, type PolicyCopy } from '../../src/cluster/policy-set.js'
import type { PolicyStore, StoredCopies } from '../../src/cluster/policy-store.js'
import { until } from '../fixtures/cluster/fake-watcher.js'
import { captureLogger } from '../fixtures/cluster/log-capture.js'

const NS = 'multinet-system'
const LABEL = 'multinet.io/policy'
const VALID = 'apiVersion: multinet.io/v1alpha1\nglobalNamespaces: [default, shared]\n'
const BROKEN = 'apiVersion: multinet.io/v1alpha1\nrules: 7\n'
const cm = (name: string, text: string) => ({
  name,
  namespace: NS,
  labels: { [LABEL]: 'true' },
  data: { 'policy.yaml': text },
  origin: '',
})
const BACKOFF = { initialMs: 1, maxMs: 5, factor: 2, jitter: 0 }

/** A store in memory that fails while `failing` is set. */
function memoryStore(initial: PolicyCopy[] = [], unreadable: string[] = []) {
  const copies = new Map(initial.map((c) => [`${c.namespace}/${c.name}`, c]))
  const calls: string[] = []
  const store = {
    failing: undefined as string | undefined,
    copies,
    calls,
    where: `${NS}/last-good`,
    load: async (): Promise<StoredCopies> => {
      calls.push('load')
      if (store.failing) throw new Error(store.failing)
      return { copies: new Map(copies), unreadable }
    },
    save: async (changes: ReadonlyMap<string, PolicyCopy | null>) => {
      calls.push(`save ${[...changes.keys()].join(',')}`)
      if (store.failing) throw new Error(store.failing)
      for (const [k, c] of changes) {
        if (c === null) copies.delete(k)
        else copies.set(k, c)
      }
    },
  } satisfies PolicyStore & Record<string, unknown>
  return store
}

function setup(store: ReturnType<typeof memoryStore>) {
  const { logger, lines } = captureLogger()
  const set = new PolicySet({ namespace: NS, label: LABEL, logger, startUnloaded: true })
  let changes = 0
  const keeper = new PolicyKeeper(set, store, {
    logger,
    backoff: BACKOFF,
    onPolicyChange: () => changes++,
  })
  return { set, keeper, lines, changes: () => changes }
}

t.test('reads once, writes what changed, prunes what is gone', async (t) => {
  const store = memoryStore(
    [{ namespace: NS, name: 'gone', data: { 'policy.yaml': VALID } }],
    ['x.y'],
  )
  const { set, keeper, lines } = setup(store)
  t.teardown(() => keeper.close())
  keeper.start()
  await until(() => keeper.loaded(), 30_000)
  t.equal(keeper.saves, 0, 'nothing is written before the ConfigMaps are listed')
  set.update([cm('a', VALID)])
  keeper.changed()
  await until(() => keeper.saves === 1, 30_000)
  t.same([...store.copies.keys()], [`${NS}/a`], 'a written, gone pruned')
  set.update([cm('a', VALID)])
  keeper.changed()
  set.update([cm('a', BROKEN)])
  keeper.changed()
  await until(() => store.calls.length >= 2 && keeper.problem() === undefined, 30_000)
  t.equal(store.copies.get(`${NS}/a`)?.data['policy.yaml'], VALID, 'never the invalid content')
  t.ok(lines.some((l) => l.msg === 'policy store: entries that are not copies are ignored'))
})

t.test('a copy read after the list applies at once and tells the state', async (t) => {
  const store = memoryStore([{ namespace: NS, name: 'a', data: { 'policy.yaml': VALID } }])
  const { set, keeper, changes } = setup(store)
  t.teardown(() => keeper.close())
  set.update([cm('a', BROKEN)])
  t.match(set.unavailable(), [/no valid copy/])
  keeper.start()
  await until(() => set.unavailable().length === 0, 30_000)
  t.equal(changes(), 1)
})

t.test('failures are retried with backoff and shown until they pass', async (t) => {
  const store = memoryStore()
  store.failing = 'HTTP 403: forbidden'
  const { set, keeper, lines } = setup(store)
  t.teardown(() => keeper.close())
  keeper.start()
  await until(() => store.calls.filter((c) => c === 'load').length >= 3, 30_000)
  t.equal(keeper.problem(), 'HTTP 403: forbidden')
  t.ok(lines.some((l) => l.msg === 'policy store: will retry'))
  set.update([cm('a', VALID)])
  keeper.changed() // a retry is already scheduled: it will see this
  store.failing = undefined
  await until(() => keeper.saves === 1, 30_000)
  t.equal(keeper.problem(), undefined)
  await keeper.close()
  keeper.changed()
  t.equal(keeper.saves, 1, 'closed: no more writes')
})
