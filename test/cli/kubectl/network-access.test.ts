import t from 'tap'
import { DEFAULT_ADMISSION_OPTIONS as OPTIONS } from '../../../src/admission/options.js'
import { accessOf } from '../../../src/cli/kubectl/network-access.js'
import { compileConfigMaps } from '../../../src/cli/kubectl/live-state.js'
import type { NadInfo } from '../../../src/spec/types.js'

const policy = (text: string) =>
  compileConfigMaps(
    [
      {
        name: '10-test',
        namespace: OPTIONS.policyNamespace,
        labels: { [OPTIONS.policyLabel]: 'true' },
        data: { 'policy.yaml': `apiVersion: multinet.io/v1alpha1\n${text}` },
        origin: '',
      },
    ],
    OPTIONS,
  )
const nad = (namespace: string, name: string): NadInfo => ({
  namespace,
  name,
  labels: {},
  annotations: {},
  cniTypes: ['bridge'],
})
const namespaces = new Map<string, Readonly<Record<string, string>> | undefined>([
  ['app', { team: 'app' }],
  ['lab', undefined],
  ['infra', {}],
])

t.test('isolation: own namespace, and every namespace when the NAD is global', async (t) => {
  const p = policy('globalNamespaces: [default, infra]\n')
  t.same(p.problems, [])
  t.same(accessOf(nad('app', 'own'), p.policy, namespaces, []), {
    allowedBy: ['own-namespace'],
    namespaces: { 'own-namespace': ['app'] },
    refusedBy: [],
  })
  t.same(accessOf(nad('infra', 'shared'), p.policy, namespaces, []).namespaces, {
    global: ['app', 'lab'],
    'own-namespace': ['infra'],
  })
})

t.test('rules: what allows plain pods, and what allows the pods attached now', async (t) => {
  const p = policy(`rules:
  - name: lab-only
    action: allow
    networks: { names: [infra/shared] }
    from: { namespaces: { names: [lab] } }
  - name: app-web
    action: allow
    networks: { names: [infra/web] }
    from: { pods: { selector: { matchLabels: { app: web } } } }
`)
  t.same(p.problems, [])
  t.same(accessOf(nad('infra', 'shared'), p.policy, namespaces, []), {
    allowedBy: ['rule/lab-only'],
    namespaces: { 'rule/lab-only': ['lab'] },
    refusedBy: ['rule/lab-only'],
  })
  const web = nad('infra', 'web')
  t.same(accessOf(web, p.policy, namespaces, []).allowedBy, [])
  t.same(
    accessOf(web, p.policy, namespaces, [
      { namespace: 'app', podLabels: { app: 'web' }, serviceAccount: 'default' },
    ]).allowedBy,
    ['rule/app-web'],
  )
})
