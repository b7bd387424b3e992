import t from 'tap'
import { formatFinding } from '../../src/spec/finding.js'
import {
  compilePolicy,
  DEFAULT_GLOBAL_NAMESPACES,
  DEFAULT_POLICY,
} from '../../src/policy/compile.js'
import { documentOf, net, subject, verdict } from '../fixtures/policy/helpers.js'

const named = (name: string, body: string) => ({
  name,
  document: documentOf(`apiVersion: multinet.io/v1alpha1\n${body}`),
})

const allow = (name: string, network: string, ns: string): string =>
  `  - { name: ${name}, action: allow, networks: { names: ["${network}"] }, from: { namespaces: { names: [${ns}] } } }`

t.test('the default policy: isolation with default as the global namespace', async (t) => {
  t.same(DEFAULT_POLICY.sources, [])
  t.same(DEFAULT_POLICY.globalNamespaces, ['default'])
  t.same(DEFAULT_GLOBAL_NAMESPACES, ['default'])
  t.same(DEFAULT_POLICY.findings, [])
  t.equal(DEFAULT_POLICY.tenantFor(subject('a')), undefined)
  const s = subject('a')
  t.equal(verdict(DEFAULT_POLICY, s, net('a/x')), 'allowed isolation')
  t.equal(verdict(DEFAULT_POLICY, s, net('default/x')), 'allowed isolation')
  t.equal(verdict(DEFAULT_POLICY, s, net('b/x')), 'enforce isolation')
})

t.test('one decision per network, in the order given', async (t) => {
  const decisions = DEFAULT_POLICY.decide(subject('a'), [net('b/x'), net('a/y'), net('b/x')])
  t.same(
    decisions.map((d) => [d.network, d.allowed]),
    [
      [{ namespace: 'b', name: 'x' }, false],
      [{ namespace: 'a', name: 'y' }, true],
      [{ namespace: 'b', name: 'x' }, false],
    ],
  )
  t.same(DEFAULT_POLICY.decide(subject('a'), []), [])
})

t.test('decide and tenantFor work detached from the policy object', async (t) => {
  const { decide, tenantFor } = DEFAULT_POLICY
  t.equal(decide(subject('a'), [net('a/x')]).length, 1)
  t.equal(tenantFor(subject('a')), undefined)
})

t.test('ConfigMaps merge in name order, whatever order they arrive in', async (t) => {
  const p = compilePolicy([
    named('b', 'rules: []'),
    named('a', 'rules: []'),
    named('10-c', 'rules: []'),
  ])
  t.same(p.sources, ['10-c', 'a', 'b'])
})

t.test('global namespaces: the union of the lists that are set', async (t) => {
  const p = compilePolicy([
    named('a', 'globalNamespaces: [storage, default]'),
    named('b', 'rules: []'),
    named('c', 'globalNamespaces: [infra, storage]'),
  ])
  t.same(p.globalNamespaces, ['storage', 'default', 'infra'])
  t.equal(verdict(p, subject('x'), net('infra/n')), 'allowed isolation')
  const none = compilePolicy([named('a', 'globalNamespaces: []')])
  t.same(none.globalNamespaces, [])
  t.equal(
    verdict(none, subject('x'), net('default/n')),
    'enforce isolation',
    'default is global only if listed',
  )
  const unset = compilePolicy([named('a', 'rules: []')])
  t.same(unset.globalNamespaces, ['default'])
})

t.test("a document's mode applies to its own rules only", async (t) => {
  const p = compilePolicy([
    named('a', `mode: warn\nrules:\n${allow('r-a', 'a/n', 'x')}`),
    named('b', `rules:\n${allow('r-b', 'b/n', 'x')}`),
  ])
  t.equal(verdict(p, subject('a'), net('a/n')), 'warn rule/r-a')
  t.equal(verdict(p, subject('b'), net('b/n')), 'enforce rule/r-b')
})

t.test(
  'a name defined in two ConfigMaps: the first in name order wins, the clash is reported',
  async (t) => {
    const p = compilePolicy([
      named(
        'b',
        `rules:\n${allow('shared', 'n/x', 'from-b')}\ntenants:\n  - { name: t, namespaces: { names: [tb] }, networks: [] }`,
      ),
      named(
        'a',
        `rules:\n${allow('shared', 'n/x', 'from-a')}\ntenants:\n  - { name: t, namespaces: { names: [ta] }, networks: [] }`,
      ),
    ])
    t.equal(verdict(p, subject('from-a'), net('n/x')), 'allowed rule/shared')
    t.equal(verdict(p, subject('from-b'), net('n/x')), 'enforce rule/shared')
    t.ok(p.tenantFor(subject('ta')))
    t.equal(p.tenantFor(subject('tb')), undefined)
    t.same(p.findings?.map(formatFinding), [
      'configmap/b: policy.yaml: rules[0].name: rule name "shared" is already defined in rules[0] of policy ConfigMap "a"; rule names must be unique across policy ConfigMaps; this one is ignored (line 3) [policy.invalid]',
      'configmap/b: policy.yaml: tenants[0].name: tenant name "t" is already defined in tenants[0] of policy ConfigMap "a"; tenant names must be unique across policy ConfigMaps; this one is ignored (line 5) [policy.invalid]',
    ])
  },
)

t.test('duplicates inside one document (not parsed) are handled the same way', async (t) => {
  const rule = {
    name: 'r',
    action: 'allow' as const,
    networks: { names: ['n/x'] },
    from: { serviceAccounts: ['a/b'] },
  }
  const p = compilePolicy([
    { name: 'cm', document: { apiVersion: 'multinet.io/v1alpha1', rules: [rule, rule] } },
  ])
  t.match(p.findings?.[0]?.message, /already defined in rules\[0\];/)
})

t.test('tenantFor: the first tenant in merge order that matches the namespace', async (t) => {
  const p = compilePolicy([
    named(
      'b',
      `tenants:
  - { name: exact, namespaces: { names: [acme] }, networks: [{ network: t/exact }] }
  - { name: other, namespaces: { names: [globex] }, networks: [] }`,
    ),
    named(
      'a',
      `tenants:
  - { name: by-label, namespaces: { selector: { matchLabels: { tenant: acme } } }, networks: [{ network: t/label }], locked: true }
  - { name: by-glob, namespaces: { names: ["acme-*", acme] }, networks: [] }`,
    ),
  ])
  t.equal(p.tenantFor(subject('acme', { nsLabels: { tenant: 'acme' } }))?.tenant, 'by-label')
  t.equal(p.tenantFor(subject('acme'))?.tenant, 'by-glob')
  t.equal(p.tenantFor(subject('acme-web'))?.tenant, 'by-glob')
  t.equal(p.tenantFor(subject('globex'))?.tenant, 'other')
  t.equal(p.tenantFor(subject('initech')), undefined)
  t.same(p.tenantFor(subject('x', { nsLabels: { tenant: 'acme' } })), {
    tenant: 'by-label',
    networks: [{ namespace: 't', name: 'label' }],
    locked: true,
  })
})

t.test('an admin entry defined in two ConfigMaps: the first wins, with the line', async (t) => {
  const admin = (ns: string) => `admins:\n  - name: ops\n    namespaces: { names: [${ns}] }`
  const p = compilePolicy([named('b', admin('ops-b')), named('a', admin('ops-a'))])
  t.equal(verdict(p, subject('ops-a'), net('x/y')), 'allowed admin/ops')
  t.equal(verdict(p, subject('ops-b'), net('x/y')), 'enforce isolation')
  t.same(p.findings?.map(formatFinding), [
    'configmap/b: policy.yaml: admins[0].name: admin name "ops" is already defined in admins[0] of policy ConfigMap "a"; admin names must be unique across policy ConfigMaps; this one is ignored (line 3) [policy.invalid]',
  ])
})
