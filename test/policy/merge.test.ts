import t from 'tap'
import { formatFinding } from '../../src/spec/finding.js'
import { definitionsOf, inMergeOrder, policyConflicts } from '../../src/policy/merge.js'
import { documentOf } from '../fixtures/policy/helpers.js'

const doc = (name: string, rules: string[], tenants: string[] = []) => ({
  name,
  document: documentOf(
    [
      'apiVersion: multinet.io/v1alpha1',
      rules.length > 0 ? 'rules:' : 'rules: []',
      ...rules.map(
        (r) =>
          `  - { name: ${r}, action: allow, networks: { names: [a/b] }, from: { serviceAccounts: [a/b] } }`,
      ),
      tenants.length > 0 ? 'tenants:' : 'tenants: []',
      ...tenants.map((n) => `  - { name: ${n}, namespaces: { names: [x] }, networks: [] }`),
    ].join('\n'),
  ),
})

t.test('merge order is name order, whatever the input order', async (t) => {
  t.same(
    inMergeOrder([{ name: 'b' }, { name: '10-a' }, { name: 'a' }, { name: 'B' }]).map(
      (d) => d.name,
    ),
    ['10-a', 'B', 'a', 'b'],
  )
  const same = [
    { name: 'x', n: 1 },
    { name: 'x', n: 2 },
  ]
  t.same(
    inMergeOrder(same).map((d) => d.n),
    [1, 2],
    'stable for equal names',
  )
})

t.test('definitions list every rule and tenant with where', async (t) => {
  t.same(definitionsOf(doc('cm', ['r1', 'r2'], ['t1'])), [
    { kind: 'rule', name: 'r1', source: 'cm', at: 'rules[0]' },
    { kind: 'rule', name: 'r2', source: 'cm', at: 'rules[1]' },
    { kind: 'tenant', name: 't1', source: 'cm', at: 'tenants[0]' },
  ])
  t.same(definitionsOf({ name: 'x', document: { apiVersion: 'multinet.io/v1alpha1' } }), [])
})

t.test('a ConfigMap that reuses a name of another is refused, with both places', async (t) => {
  const others = [doc('a', ['storage', 'web']), doc('c', ['db'], ['acme'])]
  const findings = policyConflicts(doc('b', ['web', 'new', 'db'], ['acme']), others)
  t.same(findings.map(formatFinding), [
    'policy.yaml: rules[0].name: rule name "web" is already defined in rules[1] of policy ConfigMap "a"; rule names must be unique across policy ConfigMaps (line 3) [policy.invalid]',
    'policy.yaml: rules[2].name: rule name "db" is already defined in rules[0] of policy ConfigMap "c"; rule names must be unique across policy ConfigMaps (line 5) [policy.invalid]',
    'policy.yaml: tenants[0].name: tenant name "acme" is already defined in tenants[0] of policy ConfigMap "c"; tenant names must be unique across policy ConfigMaps (line 7) [policy.invalid]',
  ])
})

t.test('updating a ConfigMap does not clash with its own stored version', async (t) => {
  t.same(policyConflicts(doc('a', ['storage']), [doc('a', ['storage'])]), [])
})

t.test('a rule and a tenant may share a name', async (t) => {
  t.same(policyConflicts(doc('b', ['x']), [doc('a', [], ['x'])]), [])
})

t.test('the first definition among the others is the one named', async (t) => {
  const findings = policyConflicts(doc('z', ['r']), [doc('b', ['r']), doc('a', ['r'])])
  t.match(findings[0]?.message, /policy ConfigMap "a"/)
})

t.test('admin entries are definitions too, unique across ConfigMaps', async (t) => {
  const withAdmin = (name: string) => ({
    name,
    document: documentOf(
      'apiVersion: multinet.io/v1alpha1\nadmins:\n  - name: ops\n    namespaces: { names: [ops] }\n',
    ),
  })
  t.same(definitionsOf(withAdmin('a')), [
    { kind: 'admin', name: 'ops', source: 'a', at: 'admins[0]' },
  ])
  t.same(policyConflicts(withAdmin('b'), [withAdmin('a')]).map(formatFinding), [
    'policy.yaml: admins[0].name: admin name "ops" is already defined in admins[0] of policy ConfigMap "a"; admin names must be unique across policy ConfigMaps (line 3) [policy.invalid]',
  ])
})

t.test('a join of a tenant no ConfigMap defines is a warning, with its line', async (t) => {
  const joining = (name: string, joins: string) => ({
    name,
    document: documentOf(
      `apiVersion: multinet.io/v1alpha1\ntenants:\n  - name: t-${name}\n    namespaces: { names: [x] }\n    networks: []\n    joins: [${joins}]\n`,
    ),
  })
  t.same(policyConflicts(joining('b', 't-a, t-b2'), [joining('a', 't-b')]).map(formatFinding), [
    'policy.yaml: tenants[0].joins[1]: tenant "t-b2" is not defined in any policy ConfigMap: the join has no effect until it is (line 6) [policy.invalid]',
  ])
  t.same(
    policyConflicts(joining('a', 't-b'), [joining('a', 'x'), joining('b', 't-a')]),
    [],
    'a tenant of another ConfigMap counts; the stored version of the same one does not',
  )
  const unparsed = {
    name: 'c',
    document: {
      apiVersion: 'multinet.io/v1alpha1' as const,
      tenants: [{ name: 'c', namespaces: { names: ['c'] }, networks: [], joins: ['ghost'] }],
    },
  }
  t.same(
    policyConflicts(unparsed, []).map((f) => f.message),
    ['tenant "ghost" is not defined in any policy ConfigMap: the join has no effect until it is'],
    'a document that was not parsed from text has no lines',
  )
})
