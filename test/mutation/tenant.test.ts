import t from 'tap'
import { diff, Overlay } from '../../src/mutation/overlay.js'
import { planTenantNetworks } from '../../src/mutation/tenant.js'
import { parseSelections } from '../../src/spec/selection.js'
import { NETS, pod } from '../fixtures/mutation/pods.js'

t.test('tenant networks are appended in canonical JSON form', async (t) => {
  const selections = parseSelections('ns1/a@eth1, b', 'ns1').elements
  const p = pod({ networks: 'ns1/a@eth1, b' })
  const overlay = new Overlay()
  const r = planTenantNetworks(
    selections,
    [
      { namespace: 't', name: 'c' },
      { namespace: 't', name: 'd', interface: 'tn0' },
    ],
    overlay,
  )
  t.same(r.findings, [])
  t.same(r.summary, [
    'tenant network t/c added as net3 (tenant policy)',
    'tenant network t/d added as tn0 (tenant policy)',
  ])
  const ops = diff(p, overlay).ops
  t.equal(ops.length, 1)
  t.equal(ops[0]?.op, 'replace')
  t.equal(ops[0]?.path, '/metadata/annotations/k8s.v1.cni.cncf.io~1networks')
  t.same(JSON.parse(ops[0]?.value as string), [
    { name: 'a', namespace: 'ns1', interface: 'eth1' },
    { name: 'b', namespace: 'ns1' },
    { name: 'c', namespace: 't' },
    { name: 'd', namespace: 't', interface: 'tn0' },
  ])
})

t.test('the annotation is created when the pod has none', async (t) => {
  const overlay = new Overlay()
  planTenantNetworks([], [{ namespace: 't', name: 'c' }], overlay)
  t.same(diff(pod(), overlay).ops, [
    {
      op: 'add',
      path: '/metadata/annotations',
      value: { [NETS]: '[{"name":"c","namespace":"t"}]' },
    },
  ])
})

t.test('nothing to add: no change', async (t) => {
  const overlay = new Overlay()
  t.same(planTenantNetworks([], [], overlay), { findings: [], summary: [] })
  t.same(diff(pod(), overlay).ops, [])
})

t.test('an interface name already in use is a denial', async (t) => {
  const selections = parseSelections('a, b@tn0', 'ns1').elements
  const r = planTenantNetworks(
    selections,
    [
      { namespace: 't', name: 'x', interface: 'net1' },
      { namespace: 't', name: 'y', interface: 'tn0' },
      { namespace: 't', name: 'z', interface: 'tz' },
      { namespace: 't', name: 'w', interface: 'tz' },
    ],
    new Overlay(),
  )
  t.same(
    r.findings.map((f) => [f.rule, f.path, f.message]),
    [
      [
        'selection.duplicate-interface',
        'tenantNetworks[0]',
        'tenant network t/x uses interface net1, which networks[0] already uses; rename the interface in the pod or in the tenant policy',
      ],
      [
        'selection.duplicate-interface',
        'tenantNetworks[1]',
        'tenant network t/y uses interface tn0, which networks[1] already uses; rename the interface in the pod or in the tenant policy',
      ],
      [
        'selection.duplicate-interface',
        'tenantNetworks[3]',
        'tenant network t/w uses interface tz, which tenant network t/z already uses; rename the interface in the pod or in the tenant policy',
      ],
    ],
  )
})

t.test('an injected network never takes a name a selection uses (own@net2)', async (t) => {
  const selections = parseSelections('own@net2', 'ns1').elements
  const overlay = new Overlay()
  const r = planTenantNetworks(selections, [{ namespace: 't', name: 'acme-net' }], overlay)
  t.same(r.findings, [], 'no clash: the injected network is not named net2')
  t.same(r.summary, ['tenant network t/acme-net added as net3 (tenant policy)'])
  const ops = diff(pod({ networks: 'own@net2' }), overlay).ops
  t.same(JSON.parse(ops[0]?.value as string), [
    { name: 'own', namespace: 'ns1', interface: 'net2' },
    { name: 'acme-net', namespace: 't', interface: 'net3' },
  ])
  // What the webhook wrote must pass its own selection check (the validating webhook and
  // reinvocation parse the patched annotation).
  t.same(parseSelections(ops[0]?.value as string, 'ns1').findings, [])
})

t.test('an automatic name also skips the names the tenant gives its other networks', async (t) => {
  const overlay = new Overlay()
  const r = planTenantNetworks(
    [],
    [
      { namespace: 't', name: 'a' },
      { namespace: 't', name: 'b', interface: 'net1' },
      { namespace: 't', name: 'c' },
    ],
    overlay,
  )
  t.same(r.findings, [])
  t.same(r.summary, [
    'tenant network t/a added as net2 (tenant policy)',
    'tenant network t/b added as net1 (tenant policy)',
    'tenant network t/c added as net3 (tenant policy)',
  ])
  const value = diff(pod(), overlay).ops[0]?.value as Record<string, string>
  t.same(JSON.parse(value[NETS]!), [
    { name: 'a', namespace: 't', interface: 'net2' },
    { name: 'b', namespace: 't', interface: 'net1' },
    { name: 'c', namespace: 't' },
  ])
})
