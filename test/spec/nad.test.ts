import { readdirSync, readFileSync } from 'node:fs'
import t from 'tap'
import { parseNodeSelectorAnnotation, toNadInfo, validateNad } from '../../src/spec/nad.js'
import { humane, summary } from '../fixtures/spec/findings.js'

const RESOURCE = 'k8s.v1.cni.cncf.io/resourceName'
const SELECTOR = 'k8s.v1.cni.cncf.io/nodeSelector'
const PHYSNET = 'multinet.io/physical-network'
const at = (key: string) => `metadata.annotations${JSON.stringify([key])}`

interface Fixture {
  readonly description: string
  readonly object: unknown
  readonly errors: string[]
  readonly warnings: string[]
  readonly nad?: unknown
  readonly config?: unknown
}

const dir = new URL('../fixtures/spec/nads/', import.meta.url)
t.test('realistic NAD manifests', async (t) => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const fx = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Fixture
    t.test(`${file}: ${fx.description}`, async (t) => {
      const r = validateNad(fx.object)
      t.same(summary(r.findings), { errors: fx.errors, warnings: fx.warnings })
      t.same(r.nad, fx.nad)
      if (fx.config) t.same(r.config, fx.config)
      t.ok(humane(r.findings))
    })
  }
})

// A loosely typed NAD, so that each case can break any part of it in one line.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>
const base = (): Loose => ({
  apiVersion: 'k8s.cni.cncf.io/v1',
  kind: 'NetworkAttachmentDefinition',
  metadata: { name: 'net1', namespace: 'default' },
  spec: { config: '{"cniVersion":"1.0.0","type":"bridge"}' },
})
/** The base NAD with one change made by `edit`. */
const nad = (edit: (o: Loose) => void) => {
  const o = base()
  edit(o)
  return o
}
const withAnnotation = (key: string, value: unknown) =>
  nad((o) => (o.metadata.annotations = { [key]: value }))

const cases: {
  readonly name: string
  readonly object: unknown
  readonly errors?: string[]
  readonly warnings?: string[]
  readonly message?: RegExp
}[] = [
  { name: 'the base NAD is valid', object: base() },
  {
    name: 'differs from NADAC (its regex rejects a leading 0): 0net is a valid name',
    object: nad((o) => (o.metadata.name = '0net')),
  },
  {
    name: 'a leading hyphen is refused',
    object: nad((o) => (o.metadata.name = '-net')),
    errors: ['nad.name@metadata.name'],
  },
  {
    name: 'like NADAC: a dotted name is refused (pods could not select it)',
    object: nad((o) => (o.metadata.name = 'my.net')),
    errors: ['nad.name@metadata.name'],
    message: /<namespace>\/<name>/,
  },
  {
    name: 'differs from NADAC (no length limit): 64 characters are refused',
    object: nad((o) => (o.metadata.name = 'n'.repeat(64))),
    errors: ['nad.name@metadata.name'],
  },
  {
    name: 'a missing name',
    object: nad((o) => delete o.metadata.name),
    errors: ['nad.name@metadata.name'],
    message: /is required/,
  },
  {
    name: 'a name of the wrong type',
    object: nad((o) => (o.metadata.name = 7)),
    errors: ['nad.name@metadata.name'],
  },
  {
    name: 'wrong apiVersion and kind',
    object: nad((o) => {
      o.apiVersion = 'v1'
      delete o.kind
    }),
    errors: ['nad.object@apiVersion', 'nad.object@kind'],
  },
  { name: 'not an object', object: 'net1', errors: ['nad.object@object'] },
  { name: 'null', object: null, errors: ['nad.object@object'] },
  { name: 'a list', object: [], errors: ['nad.object@object'] },
  {
    name: 'metadata missing',
    object: nad((o) => delete o.metadata),
    errors: ['nad.object@metadata'],
  },
  {
    name: 'an invalid namespace',
    object: nad((o) => (o.metadata.namespace = 'Default')),
    errors: ['nad.object@metadata.namespace'],
  },
  {
    name: 'a namespace of the wrong type',
    object: nad((o) => (o.metadata.namespace = 1)),
    errors: ['nad.object@metadata.namespace'],
  },
  { name: 'no namespace (a manifest file)', object: nad((o) => delete o.metadata.namespace) },
  {
    name: 'labels and annotations must be maps of strings',
    object: nad((o) => {
      o.metadata.labels = { tier: 1 }
      o.metadata.annotations = 'x'
    }),
    errors: ['nad.object@metadata.labels.tier', 'nad.object@metadata.annotations'],
  },
  { name: 'null labels are treated as none', object: nad((o) => (o.metadata.labels = null)) },
  {
    name: 'an annotation value of the wrong type',
    object: withAnnotation(RESOURCE, 2),
    errors: [`nad.object@${at(RESOURCE)}`],
  },
  { name: 'spec.config "" means an on-disk config', object: nad((o) => (o.spec.config = '')) },
  { name: 'an empty spec means an on-disk config', object: nad((o) => (o.spec = {})) },
  {
    name: 'spec must be an object',
    object: nad((o) => (o.spec = 'config')),
    errors: ['nad.object@spec'],
  },
  {
    name: 'spec.config written as a YAML map instead of a string',
    object: nad((o) => (o.spec.config = { type: 'bridge' })),
    errors: ['nad.config-json@spec.config'],
    message: /must be a string holding the CNI JSON, got an object/,
  },
  {
    name: 'spec.config that is not JSON',
    object: nad((o) => (o.spec.config = '{type: bridge}')),
    errors: ['nad.config-json@spec.config'],
  },
  {
    name: 'differs from NADAC (passes): spec.config "null"',
    object: nad((o) => (o.spec.config = 'null')),
    errors: ['nad.config-json@spec.config'],
  },
  {
    name: 'a CNI name different from the NAD name is only a warning',
    object: nad((o) => (o.spec.config = '{"name":"other","type":"bridge"}')),
    warnings: ['nad.config-name@spec.config.name'],
  },
  {
    name: 'resourceName: a fully qualified extended resource',
    object: withAnnotation(RESOURCE, 'nvidia.com/mlnx_sriov_rdma'),
  },
  {
    name: 'resourceName without a domain',
    object: withAnnotation(RESOURCE, 'sriov_netdevice'),
    errors: [`nad.resource-name@${at(RESOURCE)}`],
    message: /fully qualified/,
  },
  {
    name: 'resourceName in the reserved kubernetes.io domain',
    object: withAnnotation(RESOURCE, 'kubernetes.io/sriov'),
    errors: [`nad.resource-name@${at(RESOURCE)}`],
  },
  {
    name: 'resourceName with quota syntax',
    object: withAnnotation(RESOURCE, 'requests.intel.com/sriov'),
    errors: [`nad.resource-name@${at(RESOURCE)}`],
  },
  {
    name: 'resourceName with a space is not trimmed away',
    object: withAnnotation(RESOURCE, ' intel.com/sriov'),
    errors: [`nad.resource-name@${at(RESOURCE)}`],
  },
  { name: 'nodeSelector key=value', object: withAnnotation(SELECTOR, 'zone=edge') },
  { name: 'nodeSelector key only', object: withAnnotation(SELECTOR, 'sriov-capable') },
  {
    name: 'nodeSelector with a prefixed key and spaces (trimmed like NRI)',
    object: withAnnotation(SELECTOR, ' example.com/role = edge '),
  },
  {
    name: 'nodeSelector with two "="',
    object: withAnnotation(SELECTOR, 'a=b=c'),
    errors: [`nad.node-selector@${at(SELECTOR)}`],
  },
  {
    name: 'differs from NRI (selects on the empty key): nodeSelector "=v"',
    object: withAnnotation(SELECTOR, '=v'),
    errors: [`nad.node-selector@${at(SELECTOR)}`],
    message: /must name a node label key/,
  },
  {
    name: 'differs from NRI (copied as is): an invalid label key',
    object: withAnnotation(SELECTOR, 'bad key=v'),
    errors: [`nad.node-selector@${at(SELECTOR)}`],
    message: /label key "bad key"/,
  },
  {
    name: 'differs from NRI (copied as is): an invalid label value',
    object: withAnnotation(SELECTOR, 'k=bad value'),
    errors: [`nad.node-selector@${at(SELECTOR)}`],
    message: /label value "bad value"/,
  },
  { name: 'a physical network', object: withAnnotation(PHYSNET, 'physnet-a') },
  {
    name: 'a physical network that is not a DNS-1123 label',
    object: withAnnotation(PHYSNET, 'Phys_Net'),
    errors: [`nad.physical-network@${at(PHYSNET)}`],
    message: /part of a node label/,
  },
]

t.test('NAD table', async (t) => {
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const r = validateNad(c.object)
      const got = summary(r.findings)
      t.same(got.errors, c.errors ?? [], 'errors')
      t.same(got.warnings, c.warnings ?? [], 'warnings')
      t.equal(r.nad === undefined, got.errors.length > 0, 'nad only when valid')
      if (c.message) t.match(r.findings[0]?.message, c.message)
      t.ok(humane(r.findings), 'messages are plain language')
    })
  }
})

t.test('configured resource-name keys are validated and kept (NRI #18)', async (t) => {
  const object = nad((o) => {
    o.metadata.annotations = {
      'example.com/ovs-resource': 'not-qualified',
      [RESOURCE]: 'intel.com/vf',
    }
  })
  const keys = ['example.com/ovs-resource', RESOURCE]
  t.same(summary(validateNad(object, { resourceNameKeys: keys }).findings).errors, [
    `nad.resource-name@${at('example.com/ovs-resource')}`,
  ])
  object.metadata.annotations['example.com/ovs-resource'] = 'example.com/ovs'
  const ok = validateNad(object, { resourceNameKeys: keys })
  t.same(ok.nad?.annotations, {
    'example.com/ovs-resource': 'example.com/ovs',
    [RESOURCE]: 'intel.com/vf',
  })
  t.same(
    validateNad(object).nad?.annotations,
    { [RESOURCE]: 'intel.com/vf' },
    'not kept by default',
  )
})

t.test('validateNad returns the config with the inferred name', async (t) => {
  const r = validateNad(nad((o) => (o.spec.config = '{"type":"macvlan"}')))
  t.same(r.config, { type: 'macvlan', name: 'net1' })
  t.equal(validateNad(nad((o) => delete o.spec)).config, undefined)
})

t.test('parseNodeSelectorAnnotation returns the one-label map', async (t) => {
  t.same(parseNodeSelectorAnnotation('zone=edge'), { selector: { zone: 'edge' }, findings: [] })
  t.same(parseNodeSelectorAnnotation('gpu'), { selector: { gpu: '' }, findings: [] })
  t.same(parseNodeSelectorAnnotation('k='), { selector: { k: '' }, findings: [] })
  const bad = parseNodeSelectorAnnotation('')
  t.equal(bad.selector, undefined)
  t.same(summary(bad.findings).errors, [`nad.node-selector@${at(SELECTOR)}`])
})

t.test('toNadInfo builds the cache view without validating', async (t) => {
  t.equal(toNadInfo(null), undefined)
  t.equal(toNadInfo({ metadata: {} }), undefined)
  t.equal(toNadInfo({ metadata: { name: '' } }), undefined)
  t.equal(toNadInfo({ metadata: 'x' }), undefined)
  t.same(toNadInfo({ metadata: { name: 'Bad_Name' }, spec: { config: '{oops' } }), {
    namespace: 'default',
    name: 'Bad_Name',
    labels: {},
    annotations: {},
    cniTypes: [],
  })
  t.same(
    toNadInfo(
      {
        metadata: {
          name: 'n',
          labels: { a: 'b', c: 1 },
          annotations: {
            'k8s.v1.cni.cncf.io/resourceName': 'intel.com/vf',
            'multinet.io/x': 'y',
            'kubectl.kubernetes.io/last-applied-configuration': '{}',
            'example.com/pool': 'example.com/p',
            'example.com/other': 'z',
            'multinet.io/n': 5,
          },
        },
        spec: { config: '{"plugins":[{"type":"bridge"},{"type":"tuning"}]}' },
      },
      { extraAnnotationKeys: ['example.com/pool'], defaultNamespace: 'files' },
    ),
    {
      namespace: 'files',
      name: 'n',
      labels: { a: 'b' },
      annotations: {
        'k8s.v1.cni.cncf.io/resourceName': 'intel.com/vf',
        'multinet.io/x': 'y',
        'example.com/pool': 'example.com/p',
      },
      cniTypes: ['bridge', 'tuning'],
    },
  )
  t.same(toNadInfo({ metadata: { name: 'n', namespace: 'ns' }, spec: 'x' })?.namespace, 'ns')
})

// Found by the fuzz suite: values quoted in NAD messages came back whole.
t.test('long values in a NAD are quoted cut', async (t) => {
  const long = 'x'.repeat(100_000)
  const { validateNad } = await import('../../src/spec/nad.js')
  const r = validateNad({
    apiVersion: long,
    kind: long,
    metadata: {
      name: long,
      annotations: {
        'k8s.v1.cni.cncf.io/resourceName': long,
        'k8s.v1.cni.cncf.io/nodeSelector': long,
        'multinet.io/physical-network': long,
      },
    },
    spec: { config: '{}' },
  })
  t.ok(r.findings.length >= 3)
  for (const f of r.findings) t.ok(f.message.length < 400, `${f.rule}: ${f.message.length}`)
})
