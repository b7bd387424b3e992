import t from 'tap'
import { formatFinding } from '../../src/spec/finding.js'
import { POLICY_DATA_KEY, parsePolicyConfigMap, parsePolicyText } from '../../src/policy/parse.js'
import { POLICY_OPTIONS } from '../fixtures/policy/helpers.js'

const V = 'apiVersion: multinet.io/v1alpha1\n'

const configMap = (
  over: Record<string, unknown> = {},
  data: unknown = { [POLICY_DATA_KEY]: V },
): unknown => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: 'p',
    namespace: 'multinet-system',
    labels: { 'multinet.io/policy': 'true' },
    ...over,
  },
  data,
})

const lines = (text: string): string[] => parsePolicyText(text).findings.map(formatFinding)

t.test('the data key is fixed', async (t) => {
  t.equal(POLICY_DATA_KEY, 'policy.yaml')
})

t.test('a valid policy ConfigMap applies and yields its document', async (t) => {
  const parsed = parsePolicyConfigMap(configMap(), POLICY_OPTIONS)
  t.same(parsed, {
    name: 'p',
    applies: true,
    document: { apiVersion: 'multinet.io/v1alpha1' },
    findings: [],
  })
})

t.test('ConfigMaps that are not policy here are ignored with a warning', async (t) => {
  const noLabel = parsePolicyConfigMap(configMap({ labels: { other: 'x' } }), POLICY_OPTIONS)
  t.equal(noLabel.applies, false)
  t.equal(noLabel.document, undefined)
  t.same(noLabel.findings.map(formatFinding), [
    'metadata.labels["multinet.io/policy"]: is not set, not "true": this ConfigMap is not access policy and is ignored [policy.ignored]',
  ])
  const wrongValue = parsePolicyConfigMap(
    configMap({ labels: { 'multinet.io/policy': 'yes' } }),
    POLICY_OPTIONS,
  )
  t.match(wrongValue.findings[0]?.message, /^is "yes", not "true"/)
  const elsewhere = parsePolicyConfigMap(configMap({ namespace: 'team-a' }), POLICY_OPTIONS)
  t.equal(elsewhere.applies, false)
  t.same(
    elsewhere.findings.map((f) => [f.rule, f.severity, f.path]),
    [['policy.ignored', 'warning', 'metadata.namespace']],
  )
  t.match(
    elsewhere.findings[0]?.message,
    /only in namespace "multinet-system"; this one is in namespace "team-a"/,
  )
  const nowhere = parsePolicyConfigMap({ metadata: { labels: {} } }, POLICY_OPTIONS)
  t.equal(nowhere.name, '')
  t.equal(nowhere.findings.length, 2)
  t.match(nowhere.findings[1]?.message, /has no namespace/)
  t.equal(parsePolicyConfigMap({ kind: 'ConfigMap' }, POLICY_OPTIONS).applies, false)
})

t.test('not a ConfigMap at all', async (t) => {
  t.same(parsePolicyConfigMap('x', POLICY_OPTIONS).findings.map(formatFinding), [
    'ConfigMap: must be a map, not "x" [policy.invalid]',
  ])
  const secret = parsePolicyConfigMap({ kind: 'Secret', metadata: { name: 's' } }, POLICY_OPTIONS)
  t.same([secret.name, secret.applies, secret.findings[0]?.path], ['s', false, 'kind'])
})

t.test('the policy key must be there and hold text', async (t) => {
  const missing = parsePolicyConfigMap(configMap({}, { 'policy.yml': V }), POLICY_OPTIONS)
  t.equal(missing.applies, true)
  t.same(missing.findings.map(formatFinding), [
    'data: must hold the policy under key "policy.yaml" (found "policy.yml": rename it) [policy.invalid]',
  ])
  const noData = parsePolicyConfigMap(configMap({}, null), POLICY_OPTIONS)
  t.same(noData.findings.map(formatFinding), [
    'data: must hold the policy under key "policy.yaml" [policy.invalid]',
  ])
  const notText = parsePolicyConfigMap(configMap({}, { [POLICY_DATA_KEY]: 5 }), POLICY_OPTIONS)
  t.same(notText.findings.map(formatFinding), [
    'policy.yaml: must be a string, not the number 5 [policy.invalid]',
  ])
})

t.test('other data keys are not read, and say so', async (t) => {
  const parsed = parsePolicyConfigMap(
    configMap({}, { [POLICY_DATA_KEY]: V, notes: 'x' }),
    POLICY_OPTIONS,
  )
  t.ok(parsed.document, 'a warning does not invalidate the policy')
  t.same(
    parsed.findings.map((f) => [f.severity, f.path]),
    [['warning', 'data["notes"]']],
  )
})

t.test('errors in the policy make it invalid, with no document', async (t) => {
  const parsed = parsePolicyConfigMap(
    configMap({}, { [POLICY_DATA_KEY]: 'apiVersion: v2\n' }),
    POLICY_OPTIONS,
  )
  t.equal(parsed.applies, true)
  t.equal(parsed.document, undefined)
  t.same(parsed.findings.map(formatFinding), [
    'policy.yaml: apiVersion: must be "multinet.io/v1alpha1" (not "v2") (line 1) [policy.invalid]',
  ])
})

t.test('YAML syntax errors give line and column', async (t) => {
  t.same(lines(`${V}rules: [\n`), [
    'policy.yaml:3:1: Flow sequence in block collection must be sufficiently indented and end with a ] [policy.invalid]',
  ])
  t.same(lines(`${V}mode: warn\nmode: audit\n`), [
    'policy.yaml:3:1: a key appears twice in one map; each key may appear once [policy.invalid]',
  ])
  t.same(lines(`${V}---\n${V}`), [
    'policy.yaml:2:1: holds more than one YAML document ("---"); put all rules and tenants in one document [policy.invalid]',
  ])
  t.same(lines(`${V}rules: *nothing\n`), [
    'policy.yaml: Unresolved alias (the anchor must be set before the alias): nothing (line 2) [policy.invalid]',
  ])
})

t.test('runaway aliases name the line where the expansion starts', async (t) => {
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
  for (let i = 1; i < 4; i++)
    bomb.push(
      `b${i}: &b${i} [${Array(10)
        .fill(i === 1 ? '*a' : `*b${i - 1}`)
        .join(', ')}]`,
    )
  t.same(lines(`${V}mode: warn\n${bomb.join('\n')}\n`), [
    'policy.yaml: Excessive alias count indicates a resource exhaustion attack (line 4) [policy.invalid]',
  ])
  t.same(lines(`${V}a: &a [x]\nb: *a\nc: *missing\n`), [
    'policy.yaml: Unresolved alias (the anchor must be set before the alias): missing (line 4) [policy.invalid]',
  ])
})

t.test('YAML warnings are kept as warnings', async (t) => {
  const parsed = parsePolicyText(`%FOO bar\n---\n${V}`)
  t.ok(parsed.document)
  t.equal(parsed.findings[0]?.severity, 'warning')
  t.match(parsed.findings[0]?.path, /^policy\.yaml:1:/)
})

t.test('an error inside an alias is located at the alias', async (t) => {
  t.same(
    lines(`${V}rules:
  - name: a
    action: allow
    networks: { names: [a/b] }
    from: &subjects { namespaces: { names: [Team] } }
  - name: b
    action: allow
    networks: { names: [a/c] }
    from: *subjects
`).map((l) => l.replace(/: must be a namespace.*\(line/, ' (line')),
    [
      'policy.yaml: rules[0].from.namespaces.names[0] (line 6) [policy.invalid]',
      'policy.yaml: rules[1].from.namespaces.names[0] (line 10) [policy.invalid]',
    ],
  )
})

t.test('a missing apiVersion names its line: where the document starts', async (t) => {
  t.same(lines('# the NFV policy\nrules: []\n'), [
    'policy.yaml: apiVersion: is required (line 2) [policy.invalid]',
  ])
})

t.test('an empty policy is not a policy', async (t) => {
  t.same(lines(''), ['policy.yaml: must be a map, not empty (line 1) [policy.invalid]'])
})

/** The typos an admin is likely to make, each with the exact path and a useful reason. */
const TYPOS: [string, string, string][] = [
  [
    'matchLabels written as a list',
    `rules:
  - name: r
    action: allow
    networks: { names: [a/b] }
    from:
      namespaces:
        selector:
          matchLabels:
            - team: a
`,
    'policy.yaml: rules[0].from.namespaces.selector.matchLabels: must be a map, not a list (line 9)',
  ],
  [
    'a misspelt field',
    `rules:
  - name: r
    action: allow
    networks: { names: [a/b] }
    from: { namespace: { names: [x] } }
`,
    'policy.yaml: rules[0].from.namespace: is not a known field: did you mean "namespaces"? expected one of namespaces, pods, serviceAccounts (line 6)',
  ],
  [
    'capitalised action',
    `rules:
  - { name: r, action: Deny, networks: { names: [a/b] }, from: { serviceAccounts: [a/b] } }
`,
    'policy.yaml: rules[0].action: must be one of allow, deny, grant, reserve (not "Deny") (line 3)',
  ],
  [
    'unknown mode',
    'mode: dryrun\n',
    'policy.yaml: mode: must be one of enforce, warn, audit (not "dryrun") (line 2)',
  ],
  [
    'a network without its namespace',
    `rules:
  - { name: r, action: allow, networks: { names: [storage] }, from: { serviceAccounts: [a/b] } }
`,
    'policy.yaml: rules[0].networks.names[0]: must be a network "namespace/name" (lower-case letters, digits, "-"), where "*" matches any characters within a part, e.g. storage-*/san (not "storage") (line 3)',
  ],
  [
    'an unquoted label value',
    `rules:
  - name: r
    action: allow
    networks: { names: [a/b] }
    from: { pods: { selector: { matchLabels: { gpu: true } } } }
`,
    'policy.yaml: rules[0].from.pods.selector.matchLabels.gpu: must be a string, not true (quote it: "true") (line 6)',
  ],
  [
    'an invalid label key',
    `rules:
  - name: r
    action: allow
    networks: { selector: { matchLabels: { "Multinet.io/plane": data } } }
    from: { serviceAccounts: [a/b] }
`,
    'policy.yaml: rules[0].networks.selector.matchLabels["Multinet.io/plane"]: label key prefix must be a DNS-1123 subdomain: dot-separated lower-case labels of letters, digits and "-" (line 5)',
  ],
  [
    'a lower-case operator',
    `rules:
  - name: r
    action: allow
    networks: { names: [a/b] }
    from:
      pods:
        selector:
          matchExpressions: [{ key: app, operator: in, values: [x] }]
`,
    'policy.yaml: rules[0].from.pods.selector.matchExpressions[0].operator: must be one of In, NotIn, Exists, DoesNotExist (not "in") (line 9)',
  ],
  [
    'In without values',
    `rules:
  - name: r
    action: allow
    networks: { names: [a/b] }
    from:
      pods:
        selector:
          matchExpressions: [{ key: app, operator: In }]
`,
    'policy.yaml: rules[0].from.pods.selector.matchExpressions[0].values: must list at least one value for operator In (line 9)',
  ],
  [
    'a rule without subjects',
    `rules:
  - name: r
    action: deny
    networks: { names: [a/b] }
`,
    'policy.yaml: rules[0].from: is required (line 3)',
  ],
  [
    'a duplicated rule name',
    `rules:
  - { name: r, action: allow, networks: { names: [a/b] }, from: { serviceAccounts: [a/b] } }
  - { name: r, action: deny, networks: { names: [a/c] }, from: { serviceAccounts: [a/b] } }
`,
    'policy.yaml: rules[1].name: duplicate rule name "r" (also rules[0]); names must be unique (line 4)',
  ],
  [
    'a glob as a tenant network',
    `tenants:
  - name: t
    namespaces: { names: [acme] }
    networks: [{ network: "tenants/*" }]
`,
    'policy.yaml: tenants[0].networks[0].network: must be an exact network "namespace/name" (lower-case letters, digits, "-"; no "*"), e.g. tenants/acme-net (not "tenants/*") (line 5)',
  ],
  [
    'a single namespace instead of a list',
    `rules:
  - name: r
    action: allow
    networks: { names: [a/b] }
    from:
      namespaces:
        names: team-a
`,
    'policy.yaml: rules[0].from.namespaces.names: must be a list, not "team-a" (line 8)',
  ],
  [
    'an empty from',
    `rules:
  - name: r
    action: allow
    networks: { names: [a/b] }
    from:
`,
    'policy.yaml: rules[0].from: must be a map, not empty (line 6)',
  ],
  [
    'a grant in warn mode',
    `rules:
  - name: r
    action: grant
    mode: warn
    networks: { names: [a/b] }
    from: { serviceAccounts: [a/b] }
`,
    'policy.yaml: rules[0].mode: a grant only adds access and is always in force; warn and audit apply to refusals (not "warn"): remove it (line 5)',
  ],
  [
    'a tenant that joins itself',
    `tenants:
  - name: acme
    namespaces: { names: [acme] }
    networks: []
    joins: [globex, acme]
`,
    'policy.yaml: tenants[0].joins[1]: a tenant cannot join itself (line 6)',
  ],
  [
    'an admin entry that grants nothing',
    `admins:
  - name: ops
    description: nothing yet
`,
    'policy.yaml: admins[0]: must set at least one of namespaces (admin namespaces) or networks (open to every pod) (line 3)',
  ],
  [
    'a duplicated admin name',
    `admins:
  - { name: ops, namespaces: { names: [ops] } }
  - { name: ops, networks: { names: [ops/*] } }
`,
    'policy.yaml: admins[1].name: duplicate admin name "ops" (also admins[0]); names must be unique (line 4)',
  ],
  [
    'a physical network that is not a DNS label',
    `rules:
  - { name: r, action: reserve, networks: { physicalNetworks: [Phy_Data] }, from: { serviceAccounts: [a/b] } }
`,
    'policy.yaml: rules[0].networks.physicalNetworks[0]: must be a DNS label: lower-case letters, digits and "-", starting and ending with a letter or digit (not "Phy_Data") (line 3)',
  ],
]

for (const [what, body, expected] of TYPOS) {
  t.test(`typo: ${what}`, async (t) => {
    const parsed = parsePolicyText(V + body)
    t.equal(parsed.document, undefined)
    t.same(
      parsed.findings.map((f) => `${f.path}: ${f.message}`),
      [expected],
    )
    t.ok(parsed.findings.every((f) => f.rule === 'policy.invalid' && f.severity === 'error'))
  })
}

t.test('all problems are reported at once, in line order', async (t) => {
  const found = lines(`${V}mode: strict
rules:
  - { name: r, action: Allow, networks: { names: [x] }, from: { pods: { selector: { matchLabels: { "-a": b } } } } }
`)
  t.same(
    found.map((l) => l.split(':').slice(0, 2).join(':')),
    [
      'policy.yaml: mode',
      'policy.yaml: rules[0].action',
      'policy.yaml: rules[0].networks.names[0]',
      'policy.yaml: rules[0].from.pods.selector.matchLabels["-a"]',
    ],
  )
})
