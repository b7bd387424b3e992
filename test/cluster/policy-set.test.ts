import t from 'tap'
import { PolicySet, type PolicyConfigMap } from '../../src/cluster/policy-set.js'
import { DEFAULT_POLICY } from '../../src/policy/compile.js'
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
const cm = (name: string, text: string, origin = ''): PolicyConfigMap => ({
  name,
  namespace: NS,
  labels: { [LABEL]: 'true' },
  data: { 'policy.yaml': text },
  origin,
})

function setup() {
  const { logger, lines } = captureLogger()
  return { set: new PolicySet({ namespace: NS, label: LABEL, logger }), lines }
}

t.test('no ConfigMap: the built-in default', async (t) => {
  const { set } = setup()
  t.equal(set.policy(), DEFAULT_POLICY)
  t.equal(set.update([]), true, 'the first update decides the policy')
  t.same(set.policy().sources, [])
  t.same(set.problems(), [])
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
})

t.test('one invalid ConfigMap keeps the whole last good policy', async (t) => {
  const { set, lines } = setup()
  set.update([cm('a', RULE)])
  const good = set.policy()
  const broken = cm('b', 'apiVersion: multinet.io/v1alpha1\nrules: nope\n', 'state/policy.yaml')
  t.equal(set.update([cm('a', RULE), broken, cm('c', RULE.replace('storage', 'other'))]), false)
  t.equal(set.policy(), good)
  const problems = set.problems()
  t.match(
    problems[0],
    /^state\/policy\.yaml: ConfigMap multinet-system\/b: policy\.yaml: rules.*\[policy\.invalid\]$/,
  )
  t.equal(problems.at(-1), 'the last valid policy stays in force (a)')
  t.ok(lines.some((l) => l.msg === 'policy ConfigMaps invalid'))

  const fresh = setup().set
  fresh.update([broken])
  t.equal(fresh.problems().at(-1), 'the last valid policy stays in force (the built-in default)')
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

t.test('a compiler failure keeps the last good policy too', async (t) => {
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
  t.equal(set.update([cm('a', RULE)]), false)
  t.equal(set.policy(), DEFAULT_POLICY)
  t.same(set.problems(), [
    'policy does not compile: index overflow',
    'the last valid policy stays in force (the built-in default)',
  ])
})
