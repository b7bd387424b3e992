/**
 * Table tests over pods x NADs: the NRI e2e and unit scenarios, and NRI's bugs as regression
 * cases. Every patch is applied with fast-json-patch (validating each operation), and every
 * allowed pod is mutated a second time, as `reinvocationPolicy: IfNeeded` would: the second
 * patch must be empty. Property tests over random pods, NADs, tenants and options close the file.
 */
import t, { type Test } from 'tap'
import fc from 'fast-check'
import { optionsArb, podArb, POOL, tenantArb } from '../fixtures/mutation/arbitrary.js'
import { violations } from '../fixtures/mutation/invariants.js'
import { errorsOf } from '../../src/spec/finding.js'
import { ANNOTATIONS } from '../../src/spec/types.js'
import { mutatePod } from '../../src/mutation/mutate-pod.js'
import {
  containers,
  nad,
  NETS,
  OPTIONS,
  PHYS,
  pod,
  RES,
  resourcesOf,
  run,
  mutate,
  SEL,
  type RunContext,
  type RunOutcome,
} from '../fixtures/mutation/pods.js'

const SRIOV = 'intel.com/sriov'
const NADS = [
  nad('ns1/sriov-net', { [RES]: SRIOV }),
  nad('ns1/sriov-net2', { [RES]: SRIOV }),
  nad('ns1/plain'),
  nad('ns1/zoned', { [SEL]: 'kubernetes.io/hostname=kind-worker2' }),
  nad('ns1/zoned-res', { [RES]: SRIOV, [SEL]: 'kubernetes.io/hostname=kind-worker2' }),
  nad('ns1/zone-b', { [SEL]: 'kubernetes.io/hostname=kind-worker3' }),
  nad('ns1/dual', { [RES]: 'intel.com/vf', 'example.com/bridge': 'ovs.io/br0' }),
  nad('ns1/phys', { [PHYS]: 'physnet1' }),
  nad('mysterious/sriov-net', { [RES]: 'mysterious.io/pool' }),
  nad('tenants/blue', { [RES]: SRIOV, [PHYS]: 'blue' }),
]
const CTX: RunContext = { nads: NADS }
const MOUNT = { name: 'podnetinfo', mountPath: '/etc/podnetinfo', readOnly: true }

interface Case {
  name: string
  pod: unknown
  ctx?: RunContext
  check(t: Test, out: RunOutcome): void
}

const spec = (p: unknown): Record<string, unknown> => (p as { spec: Record<string, unknown> }).spec
const annotations = (p: unknown): Record<string, string> =>
  (p as { metadata: { annotations: Record<string, string> } }).metadata.annotations

const CASES: Case[] = [
  {
    name: 'NRI e2e: one network in the pod namespace: one request and one limit',
    pod: pod({ networks: 'sriov-net' }),
    check(t, { after }) {
      t.same(resourcesOf(after), { limits: { [SRIOV]: '1' }, requests: { [SRIOV]: '1' } })
    },
  },
  {
    name: 'NRI e2e: the same network twice: two units',
    pod: pod({ networks: 'sriov-net, sriov-net' }),
    check(t, { after }) {
      t.same(resourcesOf(after), { limits: { [SRIOV]: '2' }, requests: { [SRIOV]: '2' } })
    },
  },
  {
    name: 'NRI: different NADs sharing a pool add up; JSON form',
    pod: pod({ networks: '[{"name":"sriov-net"},{"name":"sriov-net2","interface":"vf1"}]' }),
    check(t, { after }) {
      t.same(resourcesOf(after), { limits: { [SRIOV]: '2' }, requests: { [SRIOV]: '2' } })
    },
  },
  {
    name: 'NRI e2e: a network in another namespace uses that namespace NAD',
    pod: pod({ networks: 'mysterious/sriov-net' }),
    check(t, { after }) {
      t.same(resourcesOf(after), {
        limits: { 'mysterious.io/pool': '1' },
        requests: { 'mysterious.io/pool': '1' },
      })
    },
  },
  {
    name: 'NRI: the default network is counted too',
    pod: pod({ defaultNetwork: 'sriov-net', networks: 'sriov-net2' }),
    check(t, { after }) {
      t.same(resourcesOf(after), { limits: { [SRIOV]: '2' }, requests: { [SRIOV]: '2' } })
    },
  },
  {
    name: 'NRI e2e: node selector only, no resource name (#78): selector, no resources',
    pod: pod({ networks: 'zoned' }),
    check(t, { after }) {
      t.same(spec(after).nodeSelector, { 'kubernetes.io/hostname': 'kind-worker2' })
      t.equal(resourcesOf(after), undefined)
    },
  },
  {
    name: 'NRI e2e: node selector with resource name',
    pod: pod({ networks: 'zoned-res' }),
    check(t, { after }) {
      t.same(spec(after).nodeSelector, { 'kubernetes.io/hostname': 'kind-worker2' })
      t.same(resourcesOf(after), { limits: { [SRIOV]: '1' }, requests: { [SRIOV]: '1' } })
    },
  },
  {
    name: 'fixed NRI: a conflicting pod node selector is a denial, not an overwrite',
    pod: pod({ networks: 'zoned', spec: { nodeSelector: { 'kubernetes.io/hostname': 'other' } } }),
    check(t, { result }) {
      t.same(result.patch, [])
      t.equal(result.findings[0]?.rule, 'pod.node-selector-conflict')
      t.match(result.findings[0]?.message, /"other".*"kind-worker2"/)
    },
  },
  {
    name: 'fixed NRI: two NADs wanting different values is a denial, not last-wins',
    pod: pod({ networks: 'zoned, zone-b' }),
    check(t, { result }) {
      t.same(result.patch, [])
      t.same(
        result.findings.map((f) => [f.rule, f.path]),
        [['pod.node-selector-conflict', 'networks[1]']],
      )
    },
  },
  {
    name: 'physical network: node selector on the label the agent publishes',
    pod: pod({ networks: 'phys' }),
    check(t, { after }) {
      t.same(spec(after).nodeSelector, { 'physnet.multinet.io/physnet1': 'true' })
    },
  },
  {
    name: 'NRI #4 regression: user cpu/memory and a declared device resource are not touched',
    pod: pod({
      networks: 'sriov-net, dual',
      containers: [
        {
          name: 'app',
          resources: {
            requests: { cpu: '1', memory: '1Gi', [SRIOV]: '4' },
            limits: { cpu: '2', [SRIOV]: '4' },
          },
        },
      ],
    }),
    check(t, { after }) {
      t.same(resourcesOf(after), {
        requests: { cpu: '1', memory: '1Gi', [SRIOV]: '4', 'intel.com/vf': '1' },
        limits: { cpu: '2', [SRIOV]: '4', 'intel.com/vf': '1' },
      })
    },
  },
  {
    name: 'NRI #18: two resource-name keys, one NAD needs two resources',
    pod: pod({ networks: 'dual' }),
    ctx: { nads: NADS, options: { resourceNameKeys: [RES, 'example.com/bridge'] } },
    check(t, { after, result }) {
      t.same(resourcesOf(after), {
        limits: { 'intel.com/vf': '1', 'ovs.io/br0': '1' },
        requests: { 'intel.com/vf': '1', 'ovs.io/br0': '1' },
      })
      const paths = result.patch.map((op) => op.path)
      t.same(paths, [...paths].sort(), 'annotations, then containers, then volumes')
    },
  },
  {
    name: 'NRI #30: honour mode adds to the existing quantity',
    pod: pod({
      networks: 'sriov-net',
      containers: [
        { name: 'app', resources: { requests: { [SRIOV]: '2' }, limits: { [SRIOV]: '2' } } },
      ],
    }),
    ctx: { nads: NADS, options: { honorExistingResources: true } },
    check(t, { after }) {
      t.same(resourcesOf(after), { requests: { [SRIOV]: '3' }, limits: { [SRIOV]: '3' } })
      t.equal(annotations(after)[ANNOTATIONS.injectedResources], '{"intel.com/sriov":1}')
    },
  },
  {
    name: 'fixed NRI #99: the annotation sends the devices to the named container',
    pod: pod({
      networks: 'sriov-net',
      annotations: { [ANNOTATIONS.resourceContainer]: 'dpdk' },
      containers: [{ name: 'sidecar' }, { name: 'dpdk' }],
    }),
    check(t, { after }) {
      t.equal(resourcesOf(after, 0), undefined)
      t.same(resourcesOf(after, 1), { limits: { [SRIOV]: '1' }, requests: { [SRIOV]: '1' } })
    },
  },
  {
    name: 'an unknown resource container is a denial',
    pod: pod({ networks: 'sriov-net', annotations: { [ANNOTATIONS.resourceContainer]: 'dpkd' } }),
    check(t, { result }) {
      t.same(result.patch, [])
      t.same(
        result.findings.map((f) => f.rule),
        ['pod.resource-container'],
      )
    },
  },
  {
    name: 'NRI e2e: no volumes at all (automountServiceAccountToken: false): list created',
    pod: pod({ networks: 'sriov-net', spec: { automountServiceAccountToken: false } }),
    check(t, { after }) {
      t.same(spec(after).volumes, [
        {
          name: 'podnetinfo',
          downwardAPI: {
            items: [
              { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
              { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
            ],
          },
        },
      ])
      t.same(containers(after)[0]?.volumeMounts, [MOUNT])
    },
  },
  {
    name: 'NRI #43 regression: own downward-API volume at /etc/podnetinfo: no duplicate mount',
    pod: pod({
      networks: 'sriov-net',
      containers: [
        { name: 'app', volumeMounts: [{ name: 'something-else', mountPath: '/etc/podnetinfo' }] },
      ],
      spec: { volumes: [{ name: 'something-else', downwardAPI: { items: [] } }] },
    }),
    check(t, { after }) {
      t.same(containers(after)[0]?.volumeMounts, [
        { name: 'something-else', mountPath: '/etc/podnetinfo' },
      ])
      t.same(spec(after).volumes, [{ name: 'something-else', downwardAPI: { items: [] } }])
    },
  },
  {
    name: 'NRI #224 regression: own volume named podnetinfo elsewhere: no duplicate volume',
    pod: pod({
      networks: 'sriov-net',
      containers: [
        { name: 'app', volumeMounts: [{ name: 'podnetinfo', mountPath: '/etc/somethingElse' }] },
      ],
      spec: { volumes: [{ name: 'podnetinfo', downwardAPI: { items: [] } }] },
    }),
    check(t, { result }) {
      t.same(
        result.patch.filter((op) => op.path.includes('volume')),
        [],
      )
    },
  },
  {
    name: 'NRI #44: every container gets the mount; init containers do not',
    pod: pod({
      networks: 'sriov-net',
      containers: [{ name: 'a' }, { name: 'b' }],
      spec: { initContainers: [{ name: 'init' }] },
    }),
    check(t, { after }) {
      t.same(
        containers(after).map((c) => c.volumeMounts),
        [[MOUNT], [MOUNT]],
      )
      t.same(spec(after).initContainers, [{ name: 'init' }])
    },
  },
  {
    name: 'changed from NRI: podnetinfo also for networks without device resources',
    pod: pod({ networks: 'plain' }),
    check(t, { after }) {
      t.same(containers(after)[0]?.volumeMounts, [MOUNT])
    },
  },
  {
    name: 'NRI e2e: hugepages items and CONTAINER_NAME with the option',
    pod: pod({
      networks: 'sriov-net',
      containers: [
        {
          name: 'test',
          resources: {
            requests: { 'hugepages-1Gi': '2Gi', memory: '2Gi' },
            limits: { 'hugepages-1Gi': '2Gi', memory: '2Gi' },
          },
        },
      ],
    }),
    ctx: { nads: NADS, options: { hugepages: true } },
    check(t, { after }) {
      const items = (spec(after).volumes as { downwardAPI: { items: { path: string }[] } }[])[0]
        ?.downwardAPI.items
      t.same(
        items?.map((i) => i.path),
        ['labels', 'annotations', 'hugepages_1G_request_test', 'hugepages_1G_limit_test'],
      )
      t.same(containers(after)[0]?.env, [{ name: 'CONTAINER_NAME', value: 'test' }])
    },
  },
  {
    name: 'podnetinfo off, plain network: no patch at all',
    pod: pod({ networks: 'plain' }),
    ctx: { nads: NADS, options: { podnetinfo: false } },
    check(t, { result }) {
      t.same(result.patch, [])
      t.same(result.findings, [])
      t.same(result.summary, ['nothing to change: the pod already has what its networks need'])
    },
  },
  {
    name: 'tenant networks are appended to the annotation and their resources counted',
    pod: pod({ networks: 'sriov-net' }),
    ctx: { nads: NADS, tenant: [{ namespace: 'tenants', name: 'blue', interface: 'blue0' }] },
    check(t, { after }) {
      t.same(JSON.parse(annotations(after)[NETS] ?? ''), [
        { name: 'sriov-net', namespace: 'ns1' },
        { name: 'blue', namespace: 'tenants', interface: 'blue0' },
      ])
      t.same(resourcesOf(after), { limits: { [SRIOV]: '2' }, requests: { [SRIOV]: '2' } })
      t.same(spec(after).nodeSelector, { 'physnet.multinet.io/blue': 'true' })
    },
  },
  {
    name: 'a tenant network the pod already selects is not added again',
    pod: pod({ networks: 'tenants/blue' }),
    ctx: { nads: NADS, tenant: [{ namespace: 'tenants', name: 'blue' }] },
    check(t, { after }) {
      t.equal(annotations(after)[NETS], 'tenants/blue')
      t.same(resourcesOf(after), { limits: { [SRIOV]: '1' }, requests: { [SRIOV]: '1' } })
    },
  },
  {
    name: 'a pod with only tenant networks gets the annotation created',
    pod: pod(),
    ctx: { nads: NADS, tenant: [{ namespace: 'tenants', name: 'blue' }] },
    check(t, { result }) {
      t.same(result.patch[0], {
        op: 'add',
        path: '/metadata/annotations',
        value: {
          [NETS]: '[{"name":"blue","namespace":"tenants"}]',
          [ANNOTATIONS.injectedResources]: '{"intel.com/sriov":1}',
        },
      })
    },
  },
  {
    name: 'an unknown NAD (caches not synced) injects nothing for it, says so',
    pod: pod({ networks: 'ghost' }),
    ctx: { nads: NADS, options: { podnetinfo: false } },
    check(t, { result }) {
      t.same(result.patch, [])
      t.match(result.summary[0], /networks\[0\]: NAD ns1\/ghost is not known/)
    },
  },
  {
    name: 'odd pod: resources of the target is a string: a finding, no patch',
    pod: pod({ networks: 'sriov-net', containers: [{ name: 'app', resources: 'lots' }] }),
    check(t, { result }) {
      t.same(result.patch, [])
      t.same(
        result.findings.map((f) => [f.rule, f.path]),
        [['pod.shape', 'spec.containers[0].resources']],
      )
      t.equal(
        result.findings[0]?.message,
        'expected an object to add network settings to, found a string',
      )
    },
  },
  {
    name: 'odd pod: no spec at all: a finding, no exception',
    pod: { metadata: { annotations: { [NETS]: 'sriov-net' } } },
    check(t, { result }) {
      t.same(
        result.findings.map((f) => f.rule),
        ['pod.shape'],
      )
    },
  },
]

for (const c of CASES) {
  t.test(c.name, async (t) => {
    const out = run(c.pod, c.ctx ?? CTX)
    c.check(t, out)
    if (errorsOf(out.result.findings).length > 0) return
    const again = mutate(out.after, c.ctx ?? CTX)
    t.same(again.patch, [], 'a second invocation changes nothing')
    t.same(errorsOf(again.findings), [])
    t.same(
      run(c.pod, c.ctx ?? CTX).result.patch,
      out.result.patch,
      'the same pod gives the same patch',
    )
  })
}

t.test('the patch itself for the common case, op by op', async (t) => {
  const { result } = run(pod({ networks: 'sriov-net, zoned', labels: { app: 'x' } }), CTX)
  t.same(result.patch, [
    {
      op: 'add',
      path: '/metadata/annotations/multinet.io~1injected-resources',
      value: '{"intel.com/sriov":1}',
    },
    {
      op: 'add',
      path: '/spec/containers/0/resources',
      value: { limits: { [SRIOV]: '1' }, requests: { [SRIOV]: '1' } },
    },
    { op: 'add', path: '/spec/containers/0/volumeMounts', value: [MOUNT] },
    { op: 'add', path: '/spec/nodeSelector', value: { 'kubernetes.io/hostname': 'kind-worker2' } },
    {
      op: 'add',
      path: '/spec/volumes',
      value: [
        {
          name: 'podnetinfo',
          downwardAPI: {
            items: [
              { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
              { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
            ],
          },
        },
      ],
    },
  ])
  t.same(result.summary, [
    'resource intel.com/sriov: 1 for networks[0] ns1/sriov-net -> requests and limits of container "app"',
    'nodeSelector kubernetes.io/hostname="kind-worker2": node selector of NAD ns1/zoned (networks[1])',
    'podnetinfo: mounted at /etc/podnetinfo in container(s) "app"',
    'podnetinfo: volume podnetinfo added (2 downward-API items)',
  ])
})

t.test('a label key with / is escaped and applies (RFC 6901)', async (t) => {
  const out = run(pod({ networks: 'odd' }), {
    nads: [nad('ns1/odd', { [SEL]: 'example.com/zone=1' })],
    options: { podnetinfo: false },
  })
  t.same(out.result.patch, [
    { op: 'add', path: '/spec/nodeSelector', value: { 'example.com/zone': '1' } },
  ])
  const more = run(pod({ networks: 'odd', spec: { nodeSelector: { x: 'y' } } }), {
    nads: [nad('ns1/odd', { [SEL]: 'example.com/zone=1' })],
    options: { podnetinfo: false },
  })
  t.same(more.result.patch, [
    { op: 'add', path: '/spec/nodeSelector/example.com~1zone', value: '1' },
  ])
  t.same(spec(more.after).nodeSelector, { x: 'y', 'example.com/zone': '1' })
})

t.test('mutatePod with nothing selected and nothing to inject: empty patch', async (t) => {
  const r = mutatePod({
    pod: pod(),
    selections: [],
    tenantNetworks: [],
    nad: () => undefined,
    options: OPTIONS,
  })
  t.same(r, {
    patch: [],
    findings: [],
    summary: ['nothing to change: the pod already has what its networks need'],
  })
})

t.test('property: mutating twice equals mutating once, in every mode', async (t) => {
  let allowed = 0
  fc.assert(
    fc.property(podArb, tenantArb, optionsArb, (p, tenant, options) => {
      const ctx: RunContext = { nads: POOL, tenant, options }
      const first = run(p, ctx)
      if (errorsOf(first.result.findings).length > 0) {
        if (first.result.patch.length !== 0) throw new Error('a denied pod got a patch')
        return
      }
      allowed++
      const second = run(first.after, ctx)
      if (second.result.patch.length !== 0 || errorsOf(second.result.findings).length !== 0) {
        throw new Error(`second pass not empty: ${JSON.stringify(second.result)}`)
      }
    }),
    { numRuns: 400 },
  )
  t.ok(allowed > 100, `enough allowed pods exercised (${allowed} of 400)`)
})

t.test('property: what the mutated pod holds (pods without an earlier record)', async (t) => {
  fc.assert(
    fc.property(podArb, tenantArb, optionsArb, (generated, tenant, options) => {
      const p = structuredClone(generated)
      delete annotations(p)?.[ANNOTATIONS.injectedResources]
      const { result, after } = run(p, { nads: POOL, tenant, options })
      if (errorsOf(result.findings).length > 0) return
      const broken = violations(p, after, tenant, options)
      if (broken.length > 0) throw new Error(broken.join('; '))
    }),
    { numRuns: 300 },
  )
  t.pass('invariants held for 300 random pods')
})
