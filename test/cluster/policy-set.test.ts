import t from 'tap'
import { PolicySet, type PolicyConfigMap } from '../../src/cluster/policy-set.js'
import { DEFAULT_POLICY } from '../../src/policy/compile.js'
import type { CompiledPolicy, Subject } from '../../src/policy/types.js'
import { captureLogger } from '../fixtures/cluster/log-capture.js'

const NS = 'multinet-system'
const LABEL = 'multinet.io/policy'
const RULE = `apiVersion: multinet.io/v1alpha1
rules:
  - name: storage
    action: allow
    networks: { names: [storage/storage-net] }
    from: { namespaces: { names: [backup] } }
`
const DENY = `apiVersion: multinet.io/v1alpha1
rules:
  - name: freeze-shared
    action: deny
    networks: { names: ["shared/*"] }
    from: { namespaces: { names: ["*"] } }
`
const BROKEN = 'apiVersion: multinet.io/v1alpha1\nrules: nope\n'
const cm = (name: string, text: string, origin = ''): PolicyConfigMap => ({
  name,
  namespace: NS,
  labels: { [LABEL]: 'true' },
  data: { 'policy.yaml': text },
  origin,
})
const subject = (namespace: string): Subject => ({
  namespace,
  namespaceLabels: { 'kubernetes.io/metadata.name': namespace },
  podLabels: {},
  serviceAccount: 'default',
})
/** The decision for one network, as admission would ask it. */
const decide = (policy: CompiledPolicy, from: string, ns: string, name: string) =>
  policy.decide(subject(from), [{ namespace: ns, name, labels: {} }])[0]!

function setup(startUnloaded = false) {
  const { logger, lines } = captureLogger()
  return { set: new PolicySet({ namespace: NS, label: LABEL, logger, startUnloaded }), lines }
}

t.test('no ConfigMap: the built-in default', async (t) => {
  const { set } = setup()
  t.equal(set.policy(), DEFAULT_POLICY)
  t.equal(set.update([]), true, 'the first update decides the policy')
  t.same(set.policy().sources, [])
  t.same(set.problems(), [])
  t.same(set.unavailable(), [])
})

t.test('merges applying ConfigMaps in name order', async (t) => {
  const { set, lines } = setup()
  const other = { ...cm('zz-other', RULE), namespace: 'default' } // not policy here
  t.equal(set.update([cm('b', 'apiVersion: multinet.io/v1alpha1\n'), other, cm('a', RULE)]), true)
  t.same(set.policy().sources, ['a', 'b'])
  t.ok(lines.some((l) => l.msg === 'access policy in force'))
  t.equal(
    set.update([cm('a', RULE), cm('b', 'apiVersion: multinet.io/v1alpha1\n'), other]),
    false,
    'same content: nothing recompiled',
  )
  t.same([...set.copies().keys()], [`${NS}/a`, `${NS}/b`], 'one copy per applying ConfigMap')
})

t.test('an invalid ConfigMap is replaced by its own last valid content', async (t) => {
  const { set, lines } = setup()
  set.update([cm('a', RULE), cm('b', DENY)])
  const broken = cm('b', BROKEN, 'state/policy.yaml')
  const third = cm('c', RULE.replace('storage', 'other'))
  t.equal(set.update([cm('a', RULE), broken, third]), true, 'c applies at once')
  t.same(set.policy().sources, ['a', 'b', 'c'], 'b stays, as its last valid content')
  t.match(decide(set.policy(), 'app', 'shared', 'x'), {
    allowed: false,
    rule: 'rule/freeze-shared',
  })
  const problems = set.problems()
  t.match(
    problems[0],
    /^state\/policy\.yaml: ConfigMap multinet-system\/b: policy\.yaml: rules.*\[policy\.invalid\]$/,
  )
  t.equal(
    problems.at(-1),
    'state/policy.yaml: ConfigMap multinet-system/b: its last valid content (seen by this process) stays in force',
  )
  t.same(set.unavailable(), [], 'the policy can decide')
  t.equal(
    set.copies().get(`${NS}/b`)?.data['policy.yaml'],
    DENY,
    'the copy to persist is the valid one',
  )
  t.ok(lines.some((l) => l.msg === 'policy ConfigMaps invalid'))
})

t.test('at a fresh start, valid ConfigMaps apply and an invalid one fails closed', async (t) => {
  // Issue 11 item 1: one invalid ConfigMap used to make the whole policy the built-in default,
  // dropping the deny rules of the valid ones (and the invalid one's own).
  const { set, lines } = setup()
  set.update([cm('10-allow', RULE), cm('20-deny', DENY), cm('30-broken', BROKEN)])
  t.same(set.policy().sources, ['10-allow', '20-deny'], 'the valid ones are compiled')
  const refused = decide(set.policy(), 'backup', 'storage', 'storage-net')
  t.match(refused, { allowed: false, mode: 'enforce', rule: 'policy-unavailable' })
  t.match(
    refused.reason,
    /ConfigMap multinet-system\/30-broken does not validate and no valid copy of it is known/,
  )
  t.match(set.unavailable(), [/30-broken/])
  t.ok(
    lines.some((l) => l.msg === 'access policy unavailable: pods that select networks are refused'),
  )
  t.same(set.policy().tenantFor(subject('backup')), undefined)
  t.same(
    set.policy().documents.map((d) => d.name),
    ['10-allow', '20-deny'],
  )

  t.equal(
    set.update([
      cm('10-allow', RULE),
      cm('20-deny', DENY),
      cm('30-broken', RULE.replace('storage', 'x')),
    ]),
    true,
  )
  t.same(set.unavailable(), [], 'fixed: the policy decides again')
  t.match(decide(set.policy(), 'backup', 'storage', 'storage-net'), {
    allowed: true,
    rule: 'rule/storage',
  })
  t.match(decide(set.policy(), 'backup', 'shared', 'n'), {
    allowed: false,
    rule: 'rule/freeze-shared',
  })
})

t.test('a persisted copy stands in for a ConfigMap this process never saw valid', async (t) => {
  const { set } = setup()
  const copy = { namespace: NS, name: 'b', data: { 'policy.yaml': DENY } }
  t.equal(set.remember([copy], 'persisted in ConfigMap x/y'), false, 'before the first list: kept')
  t.equal(set.loaded(), false)
  set.update([cm('a', RULE), cm('b', BROKEN)])
  t.same(set.unavailable(), [])
  t.match(decide(set.policy(), 'app', 'shared', 'x'), { rule: 'rule/freeze-shared' })
  t.match(
    set.problems().at(-1),
    /its last valid content \(persisted in ConfigMap x\/y\) stays in force/,
  )
  t.same(set.copies().get(`${NS}/b`), copy, 'the persisted copy stays persisted')

  const late = setup().set
  late.update([cm('b', BROKEN)])
  t.match(late.unavailable(), [/multinet-system\/b/])
  t.equal(late.remember([copy], 'persisted'), true, 'a copy read after the list applies at once')
  t.same(late.unavailable(), [])

  const invalidCopy = setup().set
  invalidCopy.remember([{ ...copy, data: { 'policy.yaml': BROKEN } }], 'persisted')
  invalidCopy.update([cm('b', BROKEN)])
  t.match(invalidCopy.unavailable(), [/no valid copy of it is known/], 'copies are re-validated')
})

t.test(
  'a copy seen in this process wins over a persisted one; gone ConfigMaps are forgotten',
  async (t) => {
    const { set } = setup()
    set.remember([{ namespace: NS, name: 'b', data: { 'policy.yaml': RULE } }], 'persisted')
    set.update([cm('b', DENY)])
    set.update([cm('b', BROKEN)])
    t.match(decide(set.policy(), 'app', 'shared', 'x'), { rule: 'rule/freeze-shared' })
    set.update([])
    t.same([...set.copies().keys()], [], 'deleted on purpose: nothing to keep')
    set.update([cm('b', BROKEN)])
    t.match(
      decide(set.policy(), 'app', 'shared', 'x'),
      {
        rule: 'isolation',
      },
      'the persisted copy (no deny rule) stands in',
    )
    t.match(set.problems().at(-1), /persisted/, 'only the persisted copy is left')
  },
)

t.test('unloaded until the first update: every network is refused', async (t) => {
  const { set } = setup(true)
  t.match(set.unavailable(), [/not loaded yet/])
  const d = decide(set.policy(), 'default', 'default', 'net')
  t.match(d, { allowed: false, rule: 'policy-unavailable', reason: /not loaded yet/ })
  t.match(d.hint, /an admin must fix/)
  t.same(set.copies(), new Map())
  t.equal(set.update([]), true)
  t.same(set.unavailable(), [])
  t.equal(set.policy(), set.policy())
  t.match(decide(set.policy(), 'default', 'default', 'net'), { allowed: true })
})

t.test('merge clashes are reported while the policy applies', async (t) => {
  const { set, lines } = setup()
  t.equal(set.update([cm('a', RULE), cm('b', RULE)]), true)
  t.same(set.policy().sources, ['a', 'b'])
  t.match(set.problems(), [
    /^policy merge: configmap\/b: policy\.yaml: rules\[0\]\.name: rule name "storage" is already defined/,
  ])
  t.ok(lines.some((l) => l.msg === 'access policy in force' && Array.isArray(l.merge)))
})

t.test('a compiler failure fails closed', async (t) => {
  const { PolicySet: Mocked } = await t.mockImport<
    typeof import('../../src/cluster/policy-set.js')
  >('../../src/cluster/policy-set.js', {
    '../../src/policy/compile.js': {
      DEFAULT_POLICY,
      compilePolicy: () => {
        throw new Error('index overflow')
      },
    },
  })
  const set = new Mocked({ namespace: NS, label: LABEL, logger: captureLogger().logger })
  t.equal(set.update([cm('a', RULE)]), true)
  t.match(set.problems(), [
    'the policy does not compile: index overflow',
    /does not compile: index overflow: pods that select networks are refused/,
  ])
  t.match(set.unavailable(), [
    /does not compile: index overflow: pods that select networks are refused/,
  ])
  t.match(decide(set.policy(), 'default', 'default', 'n'), {
    allowed: false,
    rule: 'policy-unavailable',
  })
})
