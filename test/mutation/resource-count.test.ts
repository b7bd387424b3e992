import t from 'tap'
import type { Attachment } from '../../src/mutation/attachments.js'
import { countResources, formatRecord, readRecord } from '../../src/mutation/resource-count.js'
import { ANNOTATIONS } from '../../src/spec/types.js'
import { nad, RES } from '../fixtures/mutation/pods.js'

const att = (origin: string, ref: string, annotations?: Record<string, string>): Attachment => {
  const info = annotations ? nad(ref, annotations) : undefined
  const [namespace = '', name = ''] = ref.split('/')
  return { origin, namespace, name, nad: info }
}
const counts = (m: Map<string, { count: number }>) =>
  Object.fromEntries([...m].map(([k, v]) => [k, v.count]))

t.test('one unit per attachment; duplicates and shared pools add up (NRI kept)', async (t) => {
  const { needs, findings } = countResources(
    [
      att('networks[0]', 'ns1/a', { [RES]: 'intel.com/sriov' }),
      att('networks[1]', 'ns1/a', { [RES]: 'intel.com/sriov' }),
      att('networks[2]', 'ns1/b', { [RES]: ' intel.com/sriov ' }),
      att('networks[3]', 'ns1/c', { [RES]: 'mellanox.com/cx5' }),
      att('networks[4]', 'ns1/plain', {}),
      att('networks[5]', 'ns1/missing'),
    ],
    [RES],
  )
  t.same(counts(needs), { 'intel.com/sriov': 3, 'mellanox.com/cx5': 1 })
  t.same(needs.get('intel.com/sriov')?.origins, [
    'networks[0] ns1/a',
    'networks[1] ns1/a',
    'networks[2] ns1/b',
  ])
  t.same(findings, [])
})

t.test('several keys: one NAD may need two resources (NRI #18)', async (t) => {
  const keys = [RES, 'example.com/bridge', RES]
  const { needs } = countResources(
    [att('networks[0]', 'ns1/a', { [RES]: 'intel.com/vf', 'example.com/bridge': 'ovs.io/br0' })],
    keys,
  )
  t.same(counts(needs), { 'intel.com/vf': 1, 'ovs.io/br0': 1 })
})

t.test(
  'changed from NRI: two keys naming the same resource count once per attachment',
  async (t) => {
    const { needs } = countResources(
      [att('networks[0]', 'ns1/a', { [RES]: 'intel.com/vf', 'x.io/k': 'intel.com/vf' })],
      [RES, 'x.io/k'],
    )
    t.same(counts(needs), { 'intel.com/vf': 1 })
  },
)

t.test('a resource name that is not domain/name is a denial, reported once per NAD', async (t) => {
  const { needs, findings } = countResources(
    [
      att('networks[0]', 'ns1/bad', { [RES]: 'cpu' }),
      att('networks[1]', 'ns1/bad', { [RES]: 'cpu' }),
      att('networks[2]', 'ns1/empty', { [RES]: '' }),
      att('networks[3]', 'ns1/long', { [RES]: `a.io/${'x'.repeat(64)}` }),
    ],
    [RES],
  )
  t.same(counts(needs), {})
  t.same(
    findings.map((f) => [f.rule, f.path]),
    [
      ['nad.resource-name', 'networks[0]'],
      ['nad.resource-name', 'networks[2]'],
      ['nad.resource-name', 'networks[3]'],
    ],
  )
  t.match(
    findings[0]?.message,
    /NAD ns1\/bad: annotation k8s.v1.cni.cncf.io\/resourceName is "cpu"/,
  )
})

t.test('the injected record: absent, valid, and every way it can be broken', async (t) => {
  const key = ANNOTATIONS.injectedResources
  t.same(readRecord({}), { record: {}, findings: [] })
  t.same(readRecord({ [key]: '{"a.io/x":2}' }), { record: { 'a.io/x': 2 }, findings: [] })
  for (const [raw, why] of [
    ['{', /not valid JSON/],
    ['[1]', /must be a JSON object/],
    ['{"a.io/x":0}', /"a.io\/x" is not a positive whole number/],
    ['{"a.io/x":"2"}', /not a positive whole number/],
    ['{"a.io/x":1.5}', /not a positive whole number/],
  ] as const) {
    const r = readRecord({ [key]: raw })
    t.same(r.record, {})
    t.equal(r.findings[0]?.rule, 'pod.injected-record')
    t.equal(r.findings[0]?.path, 'metadata.annotations["multinet.io/injected-resources"]')
    t.match(r.findings[0]?.message, why)
  }
})

t.test('formatRecord sorts keys so equal records are equal text', async (t) => {
  t.equal(formatRecord({ 'b.io/y': 1, 'a.io/x': 2 }), '{"a.io/x":2,"b.io/y":1}')
  t.equal(formatRecord({}), '{}')
})
