import t from 'tap'
import { stringify } from 'yaml'
import { DEFAULT_ADMISSION_OPTIONS as OPTIONS } from '../../../src/admission/options.js'
import { proposePolicy, readPolicyFiles } from '../../../src/cli/kubectl/policy-files.js'
import { policyConfigMap } from './fixtures/world.js'

const good = policyConfigMap('10-a', 'globalNamespaces: [infra]\n')

t.test('proposed ConfigMaps from files, several per file', async (t) => {
  const dir = t.testdir({
    'two.yaml': `${stringify(good)}---\n${stringify({ ...policyConfigMap('20-b', 'rules: []\n'), metadata: { name: '20-b', labels: { 'multinet.io/policy': 'true' } } })}---\n`,
  })
  const cms = await readPolicyFiles(['two.yaml'], dir, OPTIONS)
  t.same(
    cms.map((c) => [c.name, c.namespace, c.origin]),
    [
      ['10-a', 'multinet-system', 'two.yaml (document 1)'],
      ['20-b', 'multinet-system', 'two.yaml (document 2)'],
    ],
  )
  const compiled = await proposePolicy(
    [{ ...cms[0]!, data: { 'policy.yaml': 'apiVersion: multinet.io/v1alpha1\n' }, origin: '' }],
    cms,
    OPTIONS,
  )
  t.same(compiled.policy.sources, ['10-a', '20-b'])
  t.same(compiled.policy.globalNamespaces.includes('infra'), true)
})

t.test('what cannot become policy is an error that says why', async (t) => {
  const dir = t.testdir({
    'good.yaml': stringify(good),
    'empty.yaml': '',
    'syntax.yaml': 'a: [\n',
    'pod.yaml': stringify({ kind: 'Pod', metadata: { name: 'x' } }),
    'noname.yaml': stringify({ kind: 'ConfigMap', metadata: {} }),
    'elsewhere.yaml': stringify({ ...good, metadata: { ...good.metadata, namespace: 'default' } }),
    'unlabelled.yaml': stringify({ ...good, metadata: { name: 'u' } }),
    'invalid.yaml': stringify(policyConfigMap('30-bad', 'rules: [{name: x}]\n')),
  })
  const cases: [string[], RegExp][] = [
    [['missing.yaml'], /^cannot read missing\.yaml: ENOENT/],
    [['empty.yaml'], /^empty\.yaml: no document found$/],
    [['syntax.yaml'], /^syntax\.yaml: /],
    [['pod.yaml'], /^pod\.yaml: expected a policy ConfigMap, got "Pod"$/],
    [['noname.yaml'], /^noname\.yaml: the ConfigMap has no metadata\.name$/],
    [['elsewhere.yaml'], /is in namespace default; only ConfigMaps in multinet-system are policy/],
    [['unlabelled.yaml'], /lacks the label multinet\.io\/policy: "true"/],
    [
      ['good.yaml', 'good.yaml'],
      /^ConfigMap 10-a is proposed twice \(good\.yaml and good\.yaml\)$/,
    ],
  ]
  for (const [files, message] of cases) {
    await t.rejects(
      readPolicyFiles(files, dir, OPTIONS),
      { code: 'MN_ERR_USAGE', message },
      files.join(' '),
    )
  }
  const invalid = await readPolicyFiles(['invalid.yaml'], dir, OPTIONS)
  await t.rejects(proposePolicy([], invalid, OPTIONS), {
    code: 'MN_ERR_USAGE',
    message:
      /^the proposed policy would not be in force:\n {2}invalid\.yaml: policy\.yaml: rules\[0\]/,
  })
})
