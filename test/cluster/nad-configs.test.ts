import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { nadGetter, nadObjectOf, onDiskConfig } from '../../src/cluster/nad-configs.js'
import { FakeApi } from '../agent/fixtures/fake-api.js'

t.test('nadObjectOf keeps annotations and the raw config', async (t) => {
  t.equal(nadObjectOf({}), undefined)
  t.same(
    nadObjectOf({ metadata: { name: 'a', annotations: { x: 'y', n: 1 } }, spec: { config: '{}' } }),
    {
      namespace: 'default',
      name: 'a',
      annotations: { x: 'y' },
      config: '{}',
    },
  )
  t.equal(
    nadObjectOf({ metadata: { name: 'a', namespace: 'ns' }, spec: { config: 5 } })?.config,
    '',
  )
})

t.test('GET through the API: found, 404, invalid names, failures', async (t) => {
  const api = new FakeApi('n')
  await api.start()
  t.teardown(() => api.stop())
  api.addNad(
    'ns',
    'net',
    { cniVersion: '1.0.0', type: 'bridge' },
    { 'k8s.v1.cni.cncf.io/resourceName': 'a/b' },
  )
  const get = nadGetter(api.kubeConfig(), 5000)
  t.match(await get('ns', 'net'), {
    namespace: 'ns',
    name: 'net',
    annotations: { 'k8s.v1.cni.cncf.io/resourceName': 'a/b' },
    config: '{"cniVersion":"1.0.0","type":"bridge"}',
  })
  t.equal(await get('ns', 'missing'), undefined)
  const before = api.requests.length
  t.equal(await get('NS', 'x'), undefined)
  t.equal(api.requests.length, before, 'no request for a name that cannot exist')
  api.down = true
  await t.rejects(get('ns', 'net'), { message: /^NAD ns\/net: HTTP 503/ })
})

t.test('on-disk configs by CNI name, first file wins, unreadable files skipped', async (t) => {
  const dir = t.testdir({
    '10-a.conf': JSON.stringify({ name: 'a', type: 'bridge', n: 1 }),
    '20-a.conflist': JSON.stringify({ name: 'a', plugins: [] }),
    '05-broken.conf': '{',
    'b.json': JSON.stringify({ name: 'b', type: 'x' }),
    'c.txt': JSON.stringify({ name: 'c' }),
  })
  mkdirSync(join(dir, 'd.conf'))
  writeFileSync(join(dir, 'e.conf'), '[]')
  t.same(await onDiskConfig(dir, 'a'), { name: 'a', type: 'bridge', n: 1 })
  t.same(await onDiskConfig(dir, 'b'), { name: 'b', type: 'x' })
  t.equal(await onDiskConfig(dir, 'c'), undefined)
  t.equal(await onDiskConfig(join(dir, 'none'), 'a'), undefined)
})
