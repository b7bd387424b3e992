import t from 'tap'
import { compileRule, compileTenant } from '../../src/policy/compiled-rules.js'
import { subject } from '../fixtures/policy/helpers.js'

t.test('a rule takes its own mode, else the document mode', async (t) => {
  const base = {
    name: 'r',
    action: 'allow' as const,
    networks: { names: ['a/b'] },
    from: { namespaces: { names: ['x'] } },
  }
  const r = compileRule(base, 3, 'cm', 'warn')
  t.same(
    [r.seq, r.name, r.source, r.action, r.mode, r.description],
    [3, 'r', 'cm', 'allow', 'warn', undefined],
  )
  t.equal(r.subject(subject('x')), undefined)
  t.equal(r.subject(subject('y')), 'namespace')
  const own = compileRule({ ...base, mode: 'audit', description: 'why' }, 0, 'cm', 'enforce')
  t.same([own.mode, own.description], ['audit', 'why'])
})

t.test('a tenant compiles to its assignment', async (t) => {
  const tenant = compileTenant(
    {
      name: 'acme',
      namespaces: { names: ['acme', 'acme-web'] },
      networks: [
        { network: 'tenants/acme-net', interface: 'acme0' },
        { network: 'tenants/shared' },
      ],
      locked: true,
    },
    1,
    'cm',
    'enforce',
  )
  t.same(tenant.assignment, {
    tenant: 'acme',
    networks: [
      { namespace: 'tenants', name: 'acme-net', interface: 'acme0' },
      { namespace: 'tenants', name: 'shared' },
    ],
    locked: true,
  })
  t.same([...tenant.networkKeys], ['tenants/acme-net', 'tenants/shared'])
  t.same(tenant.exactNamespaces, ['acme', 'acme-web'])
  t.ok(tenant.matches('acme', {}))
  t.notOk(tenant.matches('globex', {}))
})

t.test('tenants are indexed by namespace only when names alone decide', async (t) => {
  const of = (namespaces: Parameters<typeof compileTenant>[0]['namespaces']) =>
    compileTenant({ name: 't', namespaces, networks: [] }, 0, 'cm', 'warn')
  t.equal(of({ names: ['a-*'] }).exactNamespaces, undefined)
  t.equal(of({ names: ['a'], selector: {} }).exactNamespaces, undefined)
  t.equal(of({ selector: {} }).exactNamespaces, undefined)
  const unlocked = of({ names: ['a'] })
  t.same([unlocked.assignment.locked, unlocked.mode], [false, 'warn'])
})
