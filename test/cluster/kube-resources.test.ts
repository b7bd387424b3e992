import t from 'tap'
import { DEFAULT_ADMISSION_OPTIONS as OPTIONS } from '../../src/admission/options.js'
import {
  nadResource,
  namespaceResource,
  pageOf,
  policyConfigMapResource,
} from '../../src/cluster/kube-resources.js'
import type { ListFn } from '../../src/cluster/list-watch.js'
import { captureLogger } from '../fixtures/cluster/log-capture.js'

const list: ListFn = async () => ({ items: [], resourceVersion: '1' })

t.test('list pages of both client flavours', async (t) => {
  t.same(pageOf({ metadata: { resourceVersion: '7', _continue: 'c1' }, items: [1] }), {
    items: [1],
    resourceVersion: '7',
    continueToken: 'c1',
  })
  t.same(pageOf({ metadata: { resourceVersion: '8', continue: 'c2' }, items: [] }), {
    items: [],
    resourceVersion: '8',
    continueToken: 'c2',
  })
  t.same(pageOf({}), { items: [], resourceVersion: '', continueToken: undefined })
})

t.test('NADs: keyed namespace/name, slimmed, invalid ones kept and logged', async (t) => {
  const { logger, lines } = captureLogger()
  const spec = nadResource(list, OPTIONS, logger)
  t.equal(spec.path, '/apis/k8s.cni.cncf.io/v1/network-attachment-definitions')
  const obj = {
    apiVersion: 'k8s.cni.cncf.io/v1',
    kind: 'NetworkAttachmentDefinition',
    metadata: { name: 'n', namespace: 'a', managedFields: [{ manager: 'kubectl' }] },
    spec: { config: '{"type": 5}' },
  }
  t.equal(spec.keyOf(obj), 'a/n')
  t.equal(spec.keyOf({ metadata: { name: 'n' } }), 'default/n')
  t.equal(spec.keyOf({ metadata: {} }), undefined)
  t.same(spec.convert(obj, 'a/n'), {
    namespace: 'a',
    name: 'n',
    labels: {},
    annotations: {},
    cniTypes: [],
  })
  t.match(lines, [{ msg: 'stored NAD does not validate', nad: 'a/n' }])
  t.throws(() => spec.convert({ metadata: {} }, 'x'), /NAD without a name/)
})

t.test('namespaces keep their labels only', async (t) => {
  const spec = namespaceResource(list)
  const ns = { metadata: { name: 'a', labels: { tier: 'gold' }, annotations: { x: 'y' } } }
  t.equal(spec.keyOf(ns), 'a')
  t.equal(spec.keyOf({}), undefined)
  t.same(spec.convert(ns, 'a'), { tier: 'gold' })
})

t.test('policy ConfigMaps: one namespace, by label', async (t) => {
  const spec = policyConfigMapResource(list, 'multinet-system', 'multinet.io/policy=true')
  t.equal(spec.path, '/api/v1/namespaces/multinet-system/configmaps')
  t.equal(spec.labelSelector, 'multinet.io/policy=true')
  const cm = {
    metadata: { name: 'p', namespace: 'multinet-system', labels: { 'multinet.io/policy': 'true' } },
    data: { 'policy.yaml': 'x', odd: 3 },
  }
  t.equal(spec.keyOf(cm), 'p')
  t.equal(spec.keyOf({ metadata: {} }), undefined)
  t.same(spec.convert(cm, 'p'), {
    name: 'p',
    namespace: 'multinet-system',
    labels: { 'multinet.io/policy': 'true' },
    data: { 'policy.yaml': 'x' },
    origin: '',
  })
})
