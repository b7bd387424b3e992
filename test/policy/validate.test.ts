import t from 'tap'
import { formatPath } from '../../src/policy/path.js'
import { documentProblems } from '../../src/policy/validate.js'

const flat = (value: unknown): string[] =>
  documentProblems(value).map((p) => `${formatPath(p.path)}: ${p.message}`)

t.test('selectors are checked wherever they appear', async (t) => {
  const bad = { matchLabels: { '-x': 'v' } }
  const problems = flat({
    rules: [
      {
        name: 'r',
        networks: { selector: bad },
        from: { namespaces: { selector: bad }, pods: { selector: bad } },
      },
    ],
    tenants: [{ name: 't', namespaces: { selector: bad }, networks: [] }],
  })
  t.same(
    problems.map((p) => p.split(':')[0]),
    [
      'rules[0].networks.selector.matchLabels["-x"]',
      'rules[0].from.namespaces.selector.matchLabels["-x"]',
      'rules[0].from.pods.selector.matchLabels["-x"]',
      'tenants[0].namespaces.selector.matchLabels["-x"]',
    ],
  )
})

t.test('rule and tenant names are unique within a document', async (t) => {
  t.same(flat({ rules: [{ name: 'a' }, { name: 'b' }, { name: 'a' }, { name: 7 }] }), [
    'rules[2].name: duplicate rule name "a" (also rules[0]); names must be unique',
  ])
  t.same(flat({ tenants: [{ name: 'a' }, { name: 'a' }] }), [
    'tenants[1].name: duplicate tenant name "a" (also tenants[0]); names must be unique',
  ])
  t.same(
    flat({ rules: [{ name: 'a' }], tenants: [{ name: 'a' }] }),
    [],
    'rules and tenants are separate',
  )
})

t.test('a tenant cannot inject two networks on one interface', async (t) => {
  t.same(
    flat({
      tenants: [
        {
          name: 't',
          networks: [
            { network: 'a/b', interface: 'net1' },
            { network: 'a/c' },
            { network: 'a/d', interface: 'net1' },
          ],
        },
      ],
    }),
    ['tenants[0].networks[2].interface: interface "net1" is already used by networks[0]'],
  )
})

t.test('interface names are counted in bytes, as the kernel does', async (t) => {
  t.same(
    flat({
      tenants: [
        {
          name: 't',
          networks: [
            { network: 'a/b', interface: 'ééééééééé' },
            { network: 'a/c', interface: 'a/b' },
          ],
        },
      ],
    }),
    ['tenants[0].networks[0].interface: must be at most 15 bytes (has 18)'],
    'the second one is left to the schema pattern',
  )
})

t.test('wrong shapes are left to the schema', async (t) => {
  t.same(flat(null), [])
  t.same(flat({ rules: 'x', tenants: [null, 'x', { networks: 'x' }] }), [])
})

t.test(
  'admin entries: selectors are checked, one of namespaces or networks is required',
  async (t) => {
    const problems = documentProblems({
      admins: [
        { name: 'a', namespaces: { selector: { matchLabels: { 'Bad Key': 'x' } } } },
        { name: 'b', networks: { selector: { matchExpressions: [{ key: 'k', operator: 'In' }] } } },
        { name: 'c' },
        'not a map',
      ],
    })
    t.same(
      problems.map((p) => p.path),
      [
        ['admins', 0, 'namespaces', 'selector', 'matchLabels', 'Bad Key'],
        ['admins', 1, 'networks', 'selector', 'matchExpressions', 0, 'values'],
        ['admins', 2],
      ],
    )
  },
)
