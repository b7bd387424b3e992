import t from 'tap'
import { closest, describe, schemaProblems } from '../../src/policy/schema-validate.js'
import { formatPath } from '../../src/policy/path.js'

const V = 'multinet.io/v1alpha1'
const flat = (value: unknown): string[] =>
  schemaProblems(value).map((p) => `${formatPath(p.path)}: ${p.message}`)

const rule = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'r',
  action: 'allow',
  networks: { names: ['a/b'] },
  from: { namespaces: { names: ['x'] } },
  ...over,
})

t.test('a conforming document has no problems', async (t) => {
  t.same(flat({ apiVersion: V, rules: [rule()], tenants: [] }), [])
})

t.test('type errors say what was expected and what was found', async (t) => {
  t.same(flat({ apiVersion: V, rules: 'x' }), ['rules: must be a list, not "x"'])
  t.same(
    flat({
      apiVersion: V,
      rules: [rule({ from: { namespaces: { selector: { matchLabels: ['a'] } } } })],
    }),
    ['rules[0].from.namespaces.selector.matchLabels: must be a map, not a list'],
  )
  t.same(flat(null), [': must be a map, not empty'])
  t.same(
    flat({
      apiVersion: V,
      tenants: [{ name: 't', namespaces: { names: ['a'] }, networks: [], locked: 'yes' }],
    }),
    ['tenants[0].locked: must be true or false, not "yes"'],
  )
})

t.test('unquoted YAML scalars get a quoting hint', async (t) => {
  t.same(
    flat({
      apiVersion: V,
      rules: [rule({ networks: { selector: { matchLabels: { gpu: true } } } })],
    }),
    ['rules[0].networks.selector.matchLabels.gpu: must be a string, not true (quote it: "true")'],
  )
  t.same(flat({ apiVersion: V, rules: [rule({ name: 1 })] }), [
    'rules[0].name: must be a string, not the number 1 (quote it: "1")',
  ])
})

t.test('missing and unknown fields', async (t) => {
  t.same(flat({}), ['apiVersion: is required'])
  t.same(
    flat({ apiVersion: V, rules: [{ name: 'r', action: 'deny', networks: { names: ['a/b'] } }] }),
    ['rules[0].from: is required'],
  )
  t.same(flat({ apiVersion: V, rule: [] }), [
    'rule: is not a known field: did you mean "rules"? expected one of apiVersion, mode, globalNamespaces, rules, tenants, admins',
  ])
  t.same(flat({ apiVersion: V, rules: [rule({ networks: { name: ['a/b'] } })] }), [
    'rules[0].networks.name: is not a known field: did you mean "names"? expected one of names, selector, physicalNetworks',
  ])
  t.same(flat({ apiVersion: V, zzzzzz: 1 }), [
    'zzzzzz: is not a known field: expected one of apiVersion, mode, globalNamespaces, rules, tenants, admins',
  ])
})

t.test('enums, consts, patterns, sizes', async (t) => {
  t.same(flat({ apiVersion: 'v1' }), ['apiVersion: must be "multinet.io/v1alpha1" (not "v1")'])
  t.same(flat({ apiVersion: V, mode: 'Enforce' }), [
    'mode: must be one of enforce, warn, audit (not "Enforce")',
  ])
  t.same(flat({ apiVersion: V, rules: [rule({ action: 'permit' })] }), [
    'rules[0].action: must be one of allow, deny, grant, reserve (not "permit")',
  ])
  const [pattern] = flat({ apiVersion: V, rules: [rule({ networks: { names: ['storage'] } })] })
  t.match(
    pattern,
    /^rules\[0\]\.networks\.names\[0\]: must be a network "namespace\/name".*\(not "storage"\)$/,
  )
  t.same(flat({ apiVersion: V, rules: [rule({ networks: { names: [] } })] }), [
    'rules[0].networks.names: must not be empty',
  ])
  t.same(flat({ apiVersion: V, rules: [rule({ from: {} })] }), [
    'rules[0].from: must set at least one of namespaces, pods, serviceAccounts',
  ])
  t.same(flat({ apiVersion: V, rules: [rule({ name: 'a'.repeat(64) })] }), [
    'rules[0].name: must be at most 63 characters',
  ])
  t.same(
    flat({
      apiVersion: V,
      rules: [
        rule({
          from: { pods: { selector: { matchExpressions: [{ key: 'a', operator: 'in' }] } } },
        }),
      ],
    }),
    [
      'rules[0].from.pods.selector.matchExpressions[0].operator: must be one of In, NotIn, Exists, DoesNotExist (not "in")',
    ],
  )
})

t.test('map keys that look like indexes stay keys', async (t) => {
  t.same(
    flat({ apiVersion: V, rules: [rule({ networks: { selector: { matchLabels: { '0': 1 } } } })] }),
    [
      'rules[0].networks.selector.matchLabels["0"]: must be a string, not the number 1 (quote it: "1")',
    ],
  )
  t.same(
    flat({
      apiVersion: V,
      rules: [rule({ networks: { selector: { matchLabels: { 'a/b~c': 1 } } } })],
    }),
    [
      'rules[0].networks.selector.matchLabels["a/b~c"]: must be a string, not the number 1 (quote it: "1")',
    ],
  )
})

t.test('describe and closest', async (t) => {
  t.equal(describe(undefined), 'empty')
  t.equal(describe({}), 'a map')
  t.equal(describe(false), 'false')
  t.equal(closest('Rules', ['rules', 'tenants']), 'rules')
  t.equal(closest('tennants', ['rules', 'tenants']), 'tenants')
  t.equal(closest('xyz', ['rules', 'tenants']), undefined)
})
