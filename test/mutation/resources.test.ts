import t, { type Test } from 'tap'
import type { Attachment } from '../../src/mutation/attachments.js'
import { diff, Overlay } from '../../src/mutation/overlay.js'
import { planResources } from '../../src/mutation/resources.js'
import { ANNOTATIONS } from '../../src/spec/types.js'
import { apply, nad, OPTIONS, pod, RES, resourcesOf } from '../fixtures/mutation/pods.js'

const SRIOV = 'intel.com/sriov'
const REC = ANNOTATIONS.injectedResources
const net = (i: number, resource = SRIOV): Attachment => ({
  origin: `networks[${i}]`,
  namespace: 'ns1',
  name: `n${i}`,
  nad: nad(`ns1/n${i}`, { [RES]: resource }),
})

function plan(p: unknown, attachments: Attachment[], honour = false) {
  const overlay = new Overlay()
  const r = planResources(p, attachments, { ...OPTIONS, honorExistingResources: honour }, overlay)
  const { ops, problems } = diff(p, overlay)
  const after = apply(p, { patch: ops, findings: [], summary: [] })
  return { ...r, ops, problems, after }
}

/** Runs the plan again on its own output: the second pass must change nothing. */
function twice(t: Test, p: unknown, attachments: Attachment[], honour = false) {
  const first = plan(p, attachments, honour)
  const second = plan(first.after, attachments, honour)
  t.same(second.ops, [], 'reinvocation changes nothing')
  return first
}

t.test('default: requests = limits = count on the first container, record written', async (t) => {
  const r = twice(t, pod({ containers: [{ name: 'app' }, { name: 'side' }] }), [
    net(0),
    net(1),
    net(2, 'b.io/x'),
  ])
  t.same(r.ops, [
    {
      op: 'add',
      path: '/metadata/annotations',
      value: { [REC]: '{"b.io/x":1,"intel.com/sriov":2}' },
    },
    {
      op: 'add',
      path: '/spec/containers/0/resources',
      value: { limits: { 'b.io/x': '1', [SRIOV]: '2' }, requests: { 'b.io/x': '1', [SRIOV]: '2' } },
    },
  ])
  t.same(r.findings, [])
  t.match(
    r.summary[1],
    /intel.com\/sriov: 2 for networks\[0\] ns1\/n0, networks\[1\] ns1\/n1 -> requests and limits of container "app"/,
  )
})

t.test('default: parents are created only when absent; keys are escaped', async (t) => {
  const p = pod({
    annotations: { a: 'b' },
    containers: [{ name: 'app', resources: { requests: { cpu: '1' } } }],
  })
  const r = twice(t, p, [net(0)])
  t.same(r.ops, [
    {
      op: 'add',
      path: '/metadata/annotations/multinet.io~1injected-resources',
      value: '{"intel.com/sriov":1}',
    },
    { op: 'add', path: '/spec/containers/0/resources/limits', value: { [SRIOV]: '1' } },
    { op: 'add', path: '/spec/containers/0/resources/requests/intel.com~1sriov', value: '1' },
  ])
  t.same(resourcesOf(r.after), { requests: { cpu: '1', [SRIOV]: '1' }, limits: { [SRIOV]: '1' } })
})

t.test('default: a resource any container declares is left as written (NRI #4)', async (t) => {
  for (const [containers, holder] of [
    [[{ name: 'app', resources: { limits: { [SRIOV]: '5' } } }], 'app'],
    [[{ name: 'app' }, { name: 'side', resources: { requests: { [SRIOV]: '1' } } }], 'side'],
  ] as const) {
    const r = twice(t, pod({ containers: [...containers] }), [net(0)])
    t.same(r.ops, [], holder)
    t.match(r.summary[0], new RegExp(`container "${holder}" already declares it; left as written`))
  }
})

t.test('default: our recorded units are updated; units the user changed are theirs', async (t) => {
  const ours = pod({
    annotations: { [REC]: '{"intel.com/sriov":1}' },
    containers: [
      { name: 'app', resources: { requests: { [SRIOV]: '1' }, limits: { [SRIOV]: 1 } } },
    ],
  })
  const r = twice(t, ours, [net(0), net(1)])
  t.same(resourcesOf(r.after), { requests: { [SRIOV]: '2' }, limits: { [SRIOV]: '2' } })
  t.same(r.ops[0], {
    op: 'replace',
    path: '/metadata/annotations/multinet.io~1injected-resources',
    value: '{"intel.com/sriov":2}',
  })

  const theirs = pod({
    annotations: { [REC]: '{"intel.com/sriov":1}' },
    containers: [
      { name: 'app', resources: { requests: { [SRIOV]: '4' }, limits: { [SRIOV]: '4' } } },
    ],
  })
  const u = twice(t, theirs, [net(0)])
  t.same(u.ops, [{ op: 'remove', path: '/metadata/annotations/multinet.io~1injected-resources' }])
})

t.test(
  'default: stale recorded units are removed; a declaration elsewhere wins over ours',
  async (t) => {
    const stale = pod({
      annotations: { [REC]: '{"intel.com/sriov":1}' },
      containers: [
        { name: 'app', resources: { requests: { [SRIOV]: '1' }, limits: { [SRIOV]: '1' } } },
      ],
    })
    const r = twice(t, stale, [])
    t.same(resourcesOf(r.after), { requests: {}, limits: {} })
    t.same((r.after as { metadata: { annotations: object } }).metadata.annotations, {})

    const elsewhere = pod({
      annotations: { [REC]: '{"intel.com/sriov":1}' },
      containers: [
        { name: 'app', resources: { requests: { [SRIOV]: '1' } } },
        { name: 'side', resources: { limits: { [SRIOV]: '3' } } },
      ],
    })
    const e = twice(t, elsewhere, [net(0)])
    t.same(resourcesOf(e.after), { requests: {} })
    t.same(resourcesOf(e.after, 1), { limits: { [SRIOV]: '3' } })
  },
)

t.test('honour mode adds to what the target declares (NRI #30), once', async (t) => {
  const p = pod({
    containers: [
      { name: 'app', resources: { requests: { [SRIOV]: '1k' }, limits: { [SRIOV]: '1k' } } },
    ],
  })
  const r = twice(t, p, [net(0), net(1)], true)
  t.same(resourcesOf(r.after), { requests: { [SRIOV]: '1002' }, limits: { [SRIOV]: '1002' } })
  t.match(r.summary[0], /\(added to what it declares\)/)
  // Only the limit written: requests default to limits, as the API server does.
  const limOnly = twice(
    t,
    pod({ containers: [{ name: 'app', resources: { limits: { [SRIOV]: 2 } } }] }),
    [net(0)],
    true,
  )
  t.same(resourcesOf(limOnly.after), { limits: { [SRIOV]: '3' }, requests: { [SRIOV]: '3' } })
  const none = twice(t, pod(), [net(0)], true)
  t.same(resourcesOf(none.after), { limits: { [SRIOV]: '1' }, requests: { [SRIOV]: '1' } })
})

t.test('honour mode: a record larger than the pod value is not subtracted', async (t) => {
  const p = pod({
    annotations: { [REC]: '{"intel.com/sriov":5}' },
    containers: [
      { name: 'app', resources: { requests: { [SRIOV]: '2' }, limits: { [SRIOV]: '2' } } },
    ],
  })
  const r = twice(t, p, [net(0)], true)
  t.same(resourcesOf(r.after), { requests: { [SRIOV]: '3' }, limits: { [SRIOV]: '3' } })
})

t.test('honour mode: a stale record gives the units back', async (t) => {
  const p = pod({
    annotations: { [REC]: '{"intel.com/sriov":2}' },
    containers: [
      { name: 'app', resources: { requests: { [SRIOV]: '3' }, limits: { [SRIOV]: '2' } } },
    ],
  })
  const r = twice(t, p, [], true)
  t.same(resourcesOf(r.after), { requests: { [SRIOV]: '1' }, limits: {} })
})

t.test('honour mode: a value that is not a whole number is a denial', async (t) => {
  const p = pod({ containers: [{ name: 'app', resources: { requests: { [SRIOV]: '500m' } } }] })
  const r = plan(p, [net(0)], true)
  t.same(
    r.findings.map((f) => [f.rule, f.path]),
    [['pod.shape', 'spec.containers[0].resources.requests["intel.com/sriov"]']],
  )
  t.same(r.ops, [])
})

t.test('the resource-container annotation picks the target (NRI #99)', async (t) => {
  const p = pod({
    annotations: { [ANNOTATIONS.resourceContainer]: 'dpdk' },
    containers: [{ name: 'app' }, { name: 'dpdk' }],
  })
  const r = twice(t, p, [net(0)])
  t.equal(resourcesOf(r.after, 0), undefined)
  t.same(resourcesOf(r.after, 1), { limits: { [SRIOV]: '1' }, requests: { [SRIOV]: '1' } })
})

t.test('an unknown or init container name is a denial, even with nothing to inject', async (t) => {
  const unknown = plan(pod({ annotations: { [ANNOTATIONS.resourceContainer]: 'nope' } }), [])
  t.same(
    unknown.findings.map((f) => f.rule),
    ['pod.resource-container'],
  )
  t.equal(
    unknown.findings[0]?.message,
    'names container "nope", which the pod does not have (containers: "app")',
  )
  const init = plan(
    pod({
      annotations: { [ANNOTATIONS.resourceContainer]: 'setup' },
      spec: { initContainers: [{ name: 'setup' }] },
    }),
    [net(0)],
  )
  t.match(
    init.findings[0]?.message,
    /names init container "setup"; network devices go to an app container/,
  )
  t.same(init.ops, [])
})

t.test('odd pod shapes: findings or nothing, never an exception', async (t) => {
  const noContainers = { metadata: {}, spec: {} }
  t.same(
    plan(noContainers, [net(0)]).findings.map((f) => [f.rule, f.path]),
    [['pod.shape', 'spec.containers']],
  )
  t.same(plan(noContainers, []).findings, [], 'nothing to place: no finding')
  const named = {
    metadata: { annotations: { [ANNOTATIONS.resourceContainer]: 'x' } },
    spec: { containers: [] },
  }
  t.same(
    plan(named, []).findings,
    [],
    'no containers and nothing to place: the name is not checked',
  )
  const badResources = pod({ containers: [{ name: 'app', resources: 'lots' }] })
  const r = plan(badResources, [net(0)])
  t.same(r.problems, [
    { path: ['spec', 'containers', 0, 'resources'], found: 'lots', expected: 'an object' },
  ])
  const badRecord = pod({ annotations: { [REC]: 'x' } })
  t.same(
    plan(badRecord, [net(0)]).findings.map((f) => f.rule),
    ['pod.injected-record'],
  )
  const unnamed = plan(pod({ containers: [{ image: 'x' }] }), [net(0)])
  t.match(unnamed.summary[0], /container ""/)
})

t.test('no networks with resources and no record: nothing at all', async (t) => {
  const r = plan(pod(), [{ origin: 'networks[0]', namespace: 'ns1', name: 'x', nad: nad('ns1/x') }])
  t.same(r, { findings: [], summary: [], ops: [], problems: [], after: r.after })
})
