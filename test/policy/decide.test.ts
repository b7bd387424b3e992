import t from 'tap'
import { net, policyOf, subject, verdict } from '../fixtures/policy/helpers.js'

/** One rule in flow style: `rule('r', 'allow', 'n/x', 'namespaces: { names: [a] }')`. */
const rule = (name: string, action: string, networks: string, from: string, extra = ''): string =>
  `  - { name: ${name}, action: ${action}, networks: { names: ["${networks}"] }, from: { ${from} }${extra} }`

t.test('isolation: own namespace and global namespaces only', async (t) => {
  const p = policyOf('rules: []')
  const [own, global, other] = p.decide(subject('a'), [net('a/x'), net('default/x'), net('b/x')])
  t.same(
    [own!.allowed, own!.rule, own!.reason],
    [true, 'isolation', "the network is in the pod's own namespace"],
  )
  t.same([global!.allowed, global!.reason], [true, 'namespace "default" is a global namespace'])
  t.same([other!.allowed, other!.mode, other!.rule], [false, 'enforce', 'isolation'])
  t.match(
    other!.reason,
    /namespace "a" and the network in namespace "b", which is not a global namespace \(global: "default"\)/,
  )
  t.match(
    other!.hint,
    /add a grant rule for namespace "a" and network "b\/x".*or to add "b" to globalNamespaces/,
  )
  const none = policyOf('globalNamespaces: []')
  t.match(none.decide(subject('a'), [net('default/x')])[0]?.reason, /\(global: none\)/)
})

t.test('an allow rule opens a network across namespaces', async (t) => {
  const p = policyOf(
    `rules:\n${rule('share', 'allow', 'infra/net', 'namespaces: { names: [a, "team-*"] }')}`,
  )
  t.equal(verdict(p, subject('a'), net('infra/net')), 'allowed rule/share')
  t.equal(verdict(p, subject('team-x'), net('infra/net')), 'allowed rule/share')
  const [d] = p.decide(subject('a'), [net('infra/net')])
  t.equal(d!.reason, 'allow rule "share" in ConfigMap "policy" allows it')
})

t.test(
  'a network named by an allow rule is reserved to its pods, even in its own namespace',
  async (t) => {
    const p = policyOf(
      `rules:\n${rule('share', 'allow', 'infra/net', 'namespaces: { names: [a] }')}`,
    )
    const [d] = p.decide(subject('infra'), [net('infra/net')])
    t.same([d!.allowed, d!.rule, d!.mode], [false, 'rule/share', 'enforce'])
    t.equal(
      d!.reason,
      'the network is reserved by allow rule "share" in ConfigMap "policy", and namespace "infra" is not among its namespaces',
    )
    t.equal(d!.hint, 'ask an admin to add namespace "infra" to rule "share" in ConfigMap "policy"')
    t.equal(
      verdict(p, subject('infra'), net('infra/other')),
      'allowed isolation',
      'other networks unaffected',
    )
  },
)

t.test('several allow rules: any of them grants; a refusal names the first', async (t) => {
  const p = policyOf(`rules:
${rule('first', 'allow', 'infra/net', 'namespaces: { names: [a] }')}
${rule('second', 'allow', 'infra/*', 'namespaces: { names: [b] }')}
${rule('third', 'allow', '*/net', 'namespaces: { names: [c] }')}`)
  for (const ns of ['a', 'b', 'c'])
    t.equal(
      verdict(p, subject(ns), net('infra/net')),
      'allowed rule/' + ({ a: 'first', b: 'second', c: 'third' } as Record<string, string>)[ns],
    )
  const [d] = p.decide(subject('z'), [net('infra/net')])
  t.equal(d!.rule, 'rule/first')
  t.match(d!.reason, /allow rule "first" in ConfigMap "policy" and 2 other reserving rules,/)
  const [one] = policyOf(`rules:
${rule('first', 'allow', 'infra/net', 'namespaces: { names: [a] }')}
${rule('second', 'allow', 'infra/*', 'namespaces: { names: [b] }')}`).decide(subject('z'), [
    net('infra/net'),
  ])
  t.match(one!.reason, /and 1 other reserving rule,/)
})

t.test('refusal hints follow the condition the pod fails', async (t) => {
  const pods = policyOf(
    `rules:\n${rule('gpu', 'allow', 'n/gpu', 'pods: { selector: { matchLabels: { gpu: "true" } } }')}`,
  )
  const [byPod] = pods.decide(subject('n'), [net('n/gpu')])
  t.match(byPod!.reason, /the pod's labels do not match its pod selector/)
  t.match(byPod!.hint, /^label the pod to match the pod selector of rule "gpu"/)
  t.equal(verdict(pods, subject('n', { pod: { gpu: 'true' } }), net('n/gpu')), 'allowed rule/gpu')
  const accounts = policyOf(
    `rules:\n${rule('bk', 'allow', 'n/backup', 'serviceAccounts: ["*/backup"]')}`,
  )
  const [bySa] = accounts.decide(subject('n', { sa: 'web' }), [net('n/backup')])
  t.match(bySa!.reason, /service account "n\/web" is not among its service accounts/)
  t.equal(
    bySa!.hint,
    'ask an admin to add service account "n/web" to rule "bk" in ConfigMap "policy"',
  )
})

t.test('deny rules win over allow rules, isolation and global namespaces', async (t) => {
  const p = policyOf(`rules:
${rule('open', 'allow', 'infra/*', 'namespaces: { names: ["*"] }')}
${rule('closed', 'deny', 'infra/secret', 'namespaces: { names: [a] }', ', description: "secrets stay in infra"')}
${rule('no-default', 'deny', 'default/*', 'namespaces: { names: [a] }')}
${rule('no-own', 'deny', 'a/legacy', 'namespaces: { names: [a] }')}`)
  t.equal(verdict(p, subject('a'), net('infra/public')), 'allowed rule/open')
  t.equal(verdict(p, subject('a'), net('infra/secret')), 'enforce rule/closed')
  t.equal(
    verdict(p, subject('b'), net('infra/secret')),
    'allowed rule/open',
    'the deny does not match b',
  )
  t.equal(verdict(p, subject('a'), net('default/x')), 'enforce rule/no-default')
  t.equal(verdict(p, subject('a'), net('a/legacy')), 'enforce rule/no-own')
  const [d] = p.decide(subject('a'), [net('infra/secret')])
  t.equal(
    d!.reason,
    'deny rule "closed" in ConfigMap "policy" matches this pod (secrets stay in infra)',
  )
  t.match(
    d!.hint,
    /^deny rules win over every allowance \(admin entries, tenants, grants, reservations\): ask an admin to exclude namespace "a" from rule "closed"/,
  )
})

t.test('the first matching deny rule in merge order decides', async (t) => {
  const p = policyOf(`rules:
${rule('d1', 'deny', 'n/*', 'namespaces: { names: [b] }')}
${rule('d2', 'deny', 'n/x', 'namespaces: { names: [a] }')}
${rule('d3', 'deny', '*/x', 'namespaces: { names: [a] }')}`)
  t.equal(verdict(p, subject('a'), net('n/x')), 'enforce rule/d2')
})

t.test('NAD label selectors: known labels only', async (t) => {
  const p = policyOf(`rules:
  - name: data-plane
    action: allow
    networks: { selector: { matchLabels: { plane: data } } }
    from: { namespaces: { names: [nfv] } }`)
  t.equal(verdict(p, subject('nfv'), net('infra/d1', { plane: 'data' })), 'allowed rule/data-plane')
  t.equal(verdict(p, subject('web'), net('web/d2', { plane: 'data' })), 'enforce rule/data-plane')
  t.equal(
    verdict(p, subject('web'), net('web/d2')),
    'allowed isolation',
    'an unknown NAD has no labels',
  )
})

t.test('tenants: injected networks are allowed, a lock refuses everything else', async (t) => {
  const p = policyOf(`tenants:
  - { name: acme, namespaces: { names: [acme] }, networks: [{ network: tenants/acme-net }], locked: true }
  - { name: globex, namespaces: { names: [globex] }, networks: [{ network: tenants/globex-net }] }
rules:
${rule('storage', 'allow', 'storage/san', 'namespaces: { names: ["*"] }')}
${rule('no-globex-net', 'deny', 'tenants/globex-net', 'namespaces: { names: [globex] }')}`)
  t.equal(verdict(p, subject('acme'), net('tenants/acme-net')), 'allowed tenant/acme')
  t.equal(
    verdict(p, subject('acme'), net('acme/own')),
    'enforce tenant/acme',
    'even its own namespace',
  )
  t.equal(
    verdict(p, subject('acme'), net('default/x')),
    'enforce tenant/acme',
    'even global namespaces',
  )
  t.equal(
    verdict(p, subject('acme'), net('storage/san')),
    'enforce tenant/acme',
    'the lock beats allow rules',
  )
  const [d] = p.decide(subject('acme'), [net('default/x')])
  t.match(
    d!.reason,
    /namespace "acme" belongs to tenant "acme" \(ConfigMap "policy"\), which is locked to its own networks \(tenants\/acme-net\)/,
  )
  t.equal(
    d!.hint,
    'ask an admin to add "default/x" to the networks of tenant "acme" in ConfigMap "policy", to have the tenant join the tenant that owns it, or to open it to every pod in an admin entry',
  )
  t.equal(
    verdict(p, subject('globex'), net('default/x')),
    'allowed isolation',
    'unlocked: the usual rules',
  )
  t.equal(
    verdict(p, subject('globex'), net('tenants/globex-net')),
    'enforce rule/no-globex-net',
    'deny still wins',
  )
  t.equal(
    verdict(p, subject('other'), net('tenants/acme-net')),
    'enforce isolation',
    'a tenant grant is not for others',
  )
  const [grant] = p.decide(subject('acme'), [net('tenants/acme-net')])
  t.match(
    grant!.reason,
    /network of tenant "acme" \(ConfigMap "policy"\), which namespace "acme" belongs to/,
  )
})

t.test('a tenant grant opens a network that allow rules reserve to others', async (t) => {
  const p = policyOf(`tenants:
  - { name: acme, namespaces: { names: [acme] }, networks: [{ network: shared/net }] }
rules:
${rule('reserved', 'allow', 'shared/net', 'namespaces: { names: [ops] }')}`)
  t.equal(verdict(p, subject('acme'), net('shared/net')), 'allowed tenant/acme')
  t.equal(verdict(p, subject('web'), net('shared/net')), 'enforce rule/reserved')
})

t.test('a locked tenant with no networks may use none', async (t) => {
  const p = policyOf(
    'tenants:\n  - { name: jail, namespaces: { names: [jail] }, networks: [], locked: true }',
  )
  const [d] = p.decide(subject('jail'), [net('jail/x')])
  t.match(d!.reason, /locked to its own networks \(none\)/)
})

t.test('modes: warn and audit refusals carry their mode', async (t) => {
  const p = policyOf(`rules:
${rule('w', 'deny', 'default/w', 'namespaces: { names: [a] }', ', mode: warn')}
${rule('au', 'deny', 'default/au', 'namespaces: { names: [a] }', ', mode: audit')}
${rule('both-audit', 'deny', 'default/both', 'namespaces: { names: [a] }', ', mode: audit')}
${rule('both-enforce', 'deny', 'default/both', 'namespaces: { names: [a] }')}`)
  t.equal(verdict(p, subject('a'), net('default/w')), 'warn rule/w')
  t.equal(verdict(p, subject('a'), net('default/au')), 'audit rule/au')
  t.equal(
    verdict(p, subject('a'), net('default/both')),
    'enforce rule/both-enforce',
    'the strictest refusal wins',
  )
  t.equal(
    verdict(p, subject('b'), net('default/w')),
    'allowed isolation',
    'a deny rule that does not match changes nothing',
  )
})

t.test(
  'modes: a rule in warn or audit mode never changes admission, it only reports',
  async (t) => {
    const p = policyOf(`mode: warn
globalNamespaces: [default, fabric]
rules:
${rule('gpu', 'allow', 'fabric/gpu', 'pods: { selector: { matchLabels: { gpu: "true" } } }')}
${rule('share', 'allow', 'infra/net', 'namespaces: { names: [a] }')}`)
    t.equal(
      verdict(p, subject('a'), net('fabric/gpu')),
      'warn rule/gpu',
      'reserved in warn mode: admitted with a warning',
    )
    t.equal(
      verdict(p, subject('a', { pod: { gpu: 'true' } }), net('fabric/gpu')),
      'allowed isolation',
    )
    t.equal(
      verdict(p, subject('a'), net('infra/net')),
      'enforce isolation',
      'a warn allow rule does not grant',
    )
  },
)

t.test('modes: a tenant lock takes the tenant mode, injection does not', async (t) => {
  const p = policyOf(`mode: audit
tenants:
  - { name: acme, namespaces: { names: [acme] }, networks: [{ network: tenants/acme-net }], locked: true }
  - { name: globex, namespaces: { names: [globex] }, networks: [{ network: tenants/globex-net }], locked: true, mode: warn }`)
  t.equal(verdict(p, subject('acme'), net('acme/x')), 'audit tenant/acme')
  t.equal(verdict(p, subject('acme'), net('tenants/acme-net')), 'allowed tenant/acme')
  t.equal(verdict(p, subject('globex'), net('default/x')), 'warn tenant/globex')
  t.equal(
    verdict(p, subject('globex'), net('other/x')),
    'enforce isolation',
    'isolation is always enforced',
  )
})

t.test('an allowed decision reports the enforced outcome', async (t) => {
  const p = policyOf(
    `rules:\n${rule('audit-share', 'allow', 'a/net', 'namespaces: { names: [a] }', ', mode: audit')}`,
  )
  const [d] = p.decide(subject('a'), [net('a/net')])
  t.same([d!.allowed, d!.rule, d!.mode, d!.hint], [true, 'isolation', 'enforce', undefined])
})

t.test('a grant adds access without reserving; a reservation refuses the rest', async (t) => {
  const p = policyOf(`rules:
${rule('g', 'grant', 'infra/net', 'namespaces: { names: [a] }')}
${rule('r', 'reserve', 'infra/db', 'namespaces: { names: [a] }')}
${rule('g2', 'grant', 'infra/db', 'serviceAccounts: [b/agent]')}`)
  t.equal(verdict(p, subject('a'), net('infra/net')), 'allowed rule/g')
  t.equal(verdict(p, subject('infra'), net('infra/net')), 'allowed isolation', 'nothing reserved')
  t.equal(verdict(p, subject('b'), net('infra/net')), 'enforce isolation')
  t.equal(verdict(p, subject('infra'), net('infra/db')), 'enforce rule/r', 'reserved')
  t.equal(verdict(p, subject('b', { sa: 'agent' }), net('infra/db')), 'allowed rule/g2')
  const [g] = p.decide(subject('a'), [net('infra/net')])
  t.equal(g!.reason, 'grant rule "g" in ConfigMap "policy" grants it to this pod')
})

t.test('a grant does not open a tenant lock; an admin network does', async (t) => {
  const p = policyOf(`rules:
${rule('g', 'grant', 'infra/net', 'namespaces: { names: ["*"] }')}
tenants:
  - { name: acme, namespaces: { names: [acme] }, networks: [], locked: true }
admins:
  - { name: shared, networks: { names: [infra/dns] } }`)
  t.equal(verdict(p, subject('acme'), net('infra/net')), 'enforce tenant/acme')
  t.equal(verdict(p, subject('acme'), net('infra/dns')), 'allowed admin/shared')
  const [d] = p.decide(subject('acme'), [net('infra/dns')])
  t.equal(d!.reason, 'admin entry "shared" (ConfigMap "policy") opens "infra/dns" to every pod')
})

t.test('admin namespaces reach every network; deny rules still win', async (t) => {
  const p = policyOf(`rules:
${rule('closed', 'deny', 'vault/*', 'namespaces: { names: ["*"] }')}
${rule('r', 'reserve', 'infra/db', 'namespaces: { names: [a] }')}
tenants:
  - { name: ops-tenant, namespaces: { names: [ops] }, networks: [], locked: true }
admins:
  - { name: ops, namespaces: { selector: { matchLabels: { role: ops } } } }`)
  const ops = subject('ops', { nsLabels: { role: 'ops' } })
  t.equal(verdict(p, ops, net('infra/db')), 'allowed admin/ops', 'past a reservation')
  t.equal(verdict(p, ops, net('b/x')), 'allowed admin/ops', 'past isolation and its own lock')
  t.equal(verdict(p, ops, net('vault/keys')), 'enforce rule/closed')
  t.equal(verdict(p, subject('ops'), net('b/x')), 'enforce tenant/ops-tenant', 'no label: no admin')
})

t.test('a deny in warn mode is still reported for an admin namespace', async (t) => {
  const p = policyOf(`rules:
${rule('soon', 'deny', 'b/x', 'namespaces: { names: ["*"] }', ', mode: warn')}
admins:
  - { name: ops, namespaces: { names: [ops] } }`)
  t.equal(verdict(p, subject('ops'), net('b/x')), 'warn rule/soon')
})

t.test('joins: the union of networks under one lock, one way, not chained', async (t) => {
  const p = policyOf(`tenants:
  - { name: a, namespaces: { names: [a] }, networks: [{ network: n/a }], locked: true, joins: [b, ghost] }
  - { name: b, namespaces: { names: [b] }, networks: [{ network: n/b }], locked: true, joins: [c] }
  - { name: c, namespaces: { names: [c] }, networks: [{ network: n/c }] }`)
  t.equal(verdict(p, subject('a'), net('n/b')), 'allowed tenant/a')
  t.equal(verdict(p, subject('a'), net('n/c')), 'enforce tenant/a', 'not chained')
  t.equal(verdict(p, subject('b'), net('n/a')), 'enforce tenant/b', 'one way')
  t.equal(verdict(p, subject('b'), net('n/c')), 'allowed tenant/b')
  t.equal(verdict(p, subject('c'), net('n/b')), 'enforce isolation', 'c joins nobody')
  t.same(p.tenantFor(subject('a'))?.networks, [{ namespace: 'n', name: 'a' }], 'not injected')
  t.same(p.findings, [], 'a join of an unknown tenant joins nothing: no problem in force')
})

t.test('physical networks: known ones only', async (t) => {
  const p = policyOf(`rules:
  - { name: phy, action: reserve, networks: { physicalNetworks: [phy-data] }, from: { namespaces: { names: [nfv] } } }`)
  const onData = { ...net('x/fast'), physicalNetwork: 'phy-data' }
  t.equal(verdict(p, subject('nfv'), onData), 'allowed rule/phy')
  t.equal(verdict(p, subject('x'), onData), 'enforce rule/phy')
  t.equal(verdict(p, subject('x'), net('x/fast')), 'allowed isolation', 'no physical network')
})
