import t from 'tap'
import { CoreV1Api } from '@kubernetes/client-node'
import {
  copiesOf,
  decodeCopy,
  encodeCopy,
  kubePolicyStore,
  storeKey,
} from '../../src/cluster/policy-store.js'
import { FakeApiServer } from '../fixtures/cluster/fake-apiserver.js'

const NS = 'multinet-system'
const copy = { namespace: NS, name: '10-base', data: { 'policy.yaml': 'apiVersion: x\n' } }

t.test('copies round-trip; anything else is unreadable, never a crash', async (t) => {
  t.same(decodeCopy(encodeCopy(copy)), copy)
  t.equal(storeKey(copy), 'multinet-system.10-base')
  for (const bad of ['{', '7', 'null', '{"namespace":"a","name":"b"}', '{"name":"b","data":{}}']) {
    t.equal(decodeCopy(bad), undefined, bad)
  }
  const { copies, unreadable } = copiesOf({
    [storeKey(copy)]: encodeCopy(copy),
    'other.key': encodeCopy(copy), // a value filed under the wrong key is not trusted
    'x.y': 'hand edited',
  })
  t.same([...copies.keys()], ['multinet-system/10-base'])
  t.same(unreadable, ['other.key', 'x.y'])
})

t.test('the kube store creates, patches, removes and reads back', async (t) => {
  const fake = await FakeApiServer.start()
  t.teardown(() => fake.close())
  const store = kubePolicyStore(fake.kubeConfig().makeApiClient(CoreV1Api), NS, 'last-good')
  const signal = AbortSignal.timeout(30_000)
  t.equal(store.where, `${NS}/last-good`)
  t.same((await store.load(signal)).copies, new Map(), 'absent: no copies')
  const base = new Map([[`${NS}/10-base`, copy]])
  await store.save(base, base, signal)
  const other = { ...copy, name: '20-more' }
  const both = new Map([...base, [`${NS}/20-more`, other]])
  await store.save(new Map([[`${NS}/20-more`, other]]), both, signal)
  t.same([...(await store.load(signal)).copies.values()], [copy, other])
  await store.save(new Map([[`${NS}/10-base`, null]]), new Map([[`${NS}/20-more`, other]]), signal)
  t.same([...(await store.load(signal)).copies.values()], [other])
  const stored = fake.objects.configmaps.get(`${NS}/last-good`) as {
    metadata: { labels: Record<string, string> }
  }
  t.same(stored.metadata.labels, { 'app.kubernetes.io/managed-by': 'multinet-webhook' })
  t.ok(fake.requests.includes(`POST /api/v1/namespaces/${NS}/configmaps`), 'created once')

  // Deleted by hand: the next write makes it again, with every copy, not just the change.
  fake.remove('configmaps', { metadata: { name: 'last-good', namespace: NS } })
  const third = { ...copy, name: '30-third' }
  await store.save(
    new Map([[`${NS}/30-third`, third]]),
    new Map([
      [`${NS}/20-more`, other],
      [`${NS}/30-third`, third],
    ]),
    signal,
  )
  t.same([...(await store.load(signal)).copies.values()], [other, third])

  fake.configMapStatus = 403
  await t.rejects(store.load(signal), {
    message: `cannot read ConfigMap ${NS}/last-good: HTTP 403: injected failure`,
  })
  await t.rejects(store.save(base, base, signal), {
    message: `cannot write ConfigMap ${NS}/last-good: HTTP 403: injected failure`,
  })
})

t.test('a replica that creates the store first wins the race; the other patches', async (t) => {
  const fake = await FakeApiServer.start()
  t.teardown(() => fake.close())
  const store = kubePolicyStore(fake.kubeConfig().makeApiClient(CoreV1Api), NS, 'last-good')
  // The PATCH sees no store (404); the POST then meets the one another replica just made.
  const first = { ...copy, name: 'from-other-replica' }
  const realHandle = fake.requests.push.bind(fake.requests)
  fake.requests.push = (...items: string[]) => {
    if (items[0]?.startsWith('POST') && !fake.objects.configmaps.has(`${NS}/last-good`)) {
      fake.putQuietly('configmaps', {
        metadata: { name: 'last-good', namespace: NS },
        data: { [storeKey(first)]: encodeCopy(first) },
      } as never)
    }
    return realHandle(...items)
  }
  const mine = new Map([[`${NS}/10-base`, copy]])
  await store.save(mine, mine, AbortSignal.timeout(30_000))
  t.same([...(await store.load(AbortSignal.timeout(30_000))).copies.keys()].sort(), [
    `${NS}/10-base`,
    `${NS}/from-other-replica`,
  ])
})
