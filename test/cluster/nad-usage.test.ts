import t from 'tap'
import { UsageCounter, USAGE_EXAMPLES, type PodRef } from '../../src/cluster/nad-usage.js'

const NETWORKS = 'k8s.v1.cni.cncf.io/networks'
const pod = (namespace: string, name: string, networks?: string): PodRef => ({
  namespace,
  name,
  annotations: networks === undefined ? {} : { [NETWORKS]: networks },
})

t.test('counts pods that select the NAD, from any namespace, across pages', async (t) => {
  const c = new UsageCounter('team-a', 'data')
  c.add([
    pod('team-a', 'p2', 'data'),
    pod('team-a', 'p1', 'other'),
    pod('team-b', 'x', 'team-a/data'),
  ])
  c.add([pod('team-a', 'p0', 'data@net9'), pod('team-b', 'y', 'data'), pod('team-a', 'none')])
  t.same(c.result(), { ok: true, total: 3, examples: ['team-a/p0', 'team-a/p2', 'team-b/x'] })
})

t.test('examples are bounded; the total is not', async (t) => {
  const c = new UsageCounter('n', 'net')
  c.add(Array.from({ length: 12 }, (_, i) => pod('n', `p${String(i).padStart(2, '0')}`, 'net')))
  const r = c.result()
  t.match(r, { ok: true, total: 12 })
  t.same(r.ok && r.examples, ['n/p00', 'n/p01', 'n/p02', 'n/p03', 'n/p04'])
  t.equal(USAGE_EXAMPLES, 5)
})

t.test('no users: zero', async (t) => {
  t.same(new UsageCounter('n', 'net').result(), { ok: true, total: 0, examples: [] })
})
