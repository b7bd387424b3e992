import t from 'tap'
import { compileRule, compileTenant } from '../../src/policy/compiled-rules.js'
import {
  allowedByIsolation,
  allowedByRule,
  allowedByTenant,
  deniedByIsolation,
  deniedByLock,
  deniedByRule,
  reservedByRule,
} from '../../src/policy/messages.js'
import { net, subject } from '../fixtures/policy/helpers.js'

const rule = (description?: string) =>
  compileRule(
    {
      name: 'storage-readers',
      action: 'allow',
      networks: { names: ['storage/san'] },
      from: { namespaces: { names: ['analytics'] } },
      ...(description ? { description } : {}),
    },
    0,
    '10-storage',
    'enforce',
  )
const tenant = compileTenant(
  {
    name: 'acme',
    namespaces: { names: ['acme'] },
    networks: [{ network: 'tenants/acme-net' }, { network: 'tenants/b' }],
    locked: true,
  },
  0,
  '20-tenants',
  'enforce',
)
const s = subject('web', { sa: 'frontend' })
const san = net('storage/san')

t.test('every refusal names its rule, its ConfigMap and what to ask for', async (t) => {
  t.same(reservedByRule(rule(), 0, 'namespace', san, s), {
    allowed: false,
    rule: 'rule/storage-readers',
    reason:
      'the network is reserved by allow rule "storage-readers" in ConfigMap "10-storage", and namespace "web" is not among its namespaces',
    hint: 'ask an admin to add namespace "web" to rule "storage-readers" in ConfigMap "10-storage"',
  })
  t.same(deniedByRule(rule('  no reads from the web tier '), san, s), {
    allowed: false,
    rule: 'rule/storage-readers',
    reason:
      'deny rule "storage-readers" in ConfigMap "10-storage" matches this pod (no reads from the web tier)',
    hint: 'deny rules win over every allowance (admin entries, tenants, grants, reservations): ask an admin to exclude namespace "web" from rule "storage-readers" in ConfigMap "10-storage" if it needs "storage/san"',
  })
  t.same(deniedByLock(tenant, san, subject('acme')), {
    allowed: false,
    rule: 'tenant/acme',
    reason:
      'namespace "acme" belongs to tenant "acme" (ConfigMap "20-tenants"), which is locked to its own networks (tenants/acme-net, tenants/b)',
    hint: 'ask an admin to add "storage/san" to the networks of tenant "acme" in ConfigMap "20-tenants", to have the tenant join the tenant that owns it, or to open it to every pod in an admin entry',
  })
  t.same(deniedByIsolation(san, s, ['default', 'infra']), {
    allowed: false,
    rule: 'isolation',
    reason:
      'the pod is in namespace "web" and the network in namespace "storage", which is not a global namespace (global: "default", "infra")',
    hint: 'ask an admin to add a grant rule for namespace "web" and network "storage/san" to a policy ConfigMap, or to add "storage" to globalNamespaces',
  })
})

t.test('reserved-by hints per failed condition, and the count of other rules', async (t) => {
  t.match(
    reservedByRule(rule(), 1, 'pod', san, s).reason,
    /and 1 other reserving rule, and the pod's labels/,
  )
  t.match(reservedByRule(rule(), 3, 'pod', san, s).reason, /and 3 other reserving rules,/)
  t.match(reservedByRule(rule('why'), 0, 'serviceAccount', san, s), {
    reason: /service account "web\/frontend" is not among its service accounts \(why\)$/,
    hint: 'ask an admin to add service account "web/frontend" to rule "storage-readers" in ConfigMap "10-storage"',
  })
})

t.test('allowed outcomes say why, without a hint', async (t) => {
  t.same(allowedByRule(rule()), {
    allowed: true,
    rule: 'rule/storage-readers',
    reason: 'allow rule "storage-readers" in ConfigMap "10-storage" allows it',
  })
  t.same(allowedByTenant(tenant, subject('acme')).rule, 'tenant/acme')
  t.same(allowedByIsolation(net('web/x'), s).reason, "the network is in the pod's own namespace")
  t.same(
    allowedByIsolation(net('default/x'), s).reason,
    'namespace "default" is a global namespace',
  )
})
