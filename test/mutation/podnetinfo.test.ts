import t from 'tap'
import { diff, Overlay } from '../../src/mutation/overlay.js'
import { planPodnetinfo, PODNETINFO_PATH } from '../../src/mutation/podnetinfo.js'
import type { MutationOptions } from '../../src/mutation/types.js'
import { apply, containers, OPTIONS, pod } from '../fixtures/mutation/pods.js'

const MOUNT = { name: 'podnetinfo', mountPath: PODNETINFO_PATH, readOnly: true }
const BASE_ITEMS = [
  { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
  { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
]

function plan(p: unknown, options: Partial<MutationOptions> = {}) {
  const overlay = new Overlay()
  const summary = planPodnetinfo(p, { ...OPTIONS, ...options }, overlay)
  const { ops, problems } = diff(p, overlay)
  const after = apply(p, { patch: ops, findings: [], summary })
  // Reinvocation: the same plan on the result changes nothing.
  const again = new Overlay()
  planPodnetinfo(after, { ...OPTIONS, ...options }, again)
  return { summary, ops, problems, after, second: diff(after, again).ops }
}

t.test(
  'every container gets a read-only mount; the volume is created with /spec/volumes',
  async (t) => {
    const r = plan(
      pod({
        containers: [
          { name: 'a' },
          { name: 'b', volumeMounts: [{ name: 'data', mountPath: '/data' }] },
        ],
      }),
    )
    t.same(r.ops, [
      { op: 'add', path: '/spec/containers/0/volumeMounts', value: [MOUNT] },
      { op: 'add', path: '/spec/containers/1/volumeMounts/-', value: MOUNT },
      {
        op: 'add',
        path: '/spec/volumes',
        value: [{ name: 'podnetinfo', downwardAPI: { items: BASE_ITEMS } }],
      },
    ])
    t.same(r.second, [])
    t.same(r.summary, [
      'podnetinfo: mounted at /etc/podnetinfo in container(s) "a", "b"',
      'podnetinfo: volume podnetinfo added (2 downward-API items)',
    ])
  },
)

t.test(
  'existing volumes get one more; existing volume named podnetinfo is kept (NRI #224)',
  async (t) => {
    const more = plan(pod({ spec: { volumes: [{ name: 'token', projected: {} }] } }))
    t.same(more.ops.at(-1), {
      op: 'add',
      path: '/spec/volumes/-',
      value: { name: 'podnetinfo', downwardAPI: { items: BASE_ITEMS } },
    })
    const kept = plan(pod({ spec: { volumes: [{ name: 'podnetinfo', emptyDir: {} }] } }))
    t.same(kept.ops, [{ op: 'add', path: '/spec/containers/0/volumeMounts', value: [MOUNT] }])
    t.match(kept.summary[1], /already has a volume named podnetinfo; kept as is/)
    t.same(kept.second, [])
  },
)

t.test(
  'fixed from NRI #43: a container that mounts something at the path is left alone',
  async (t) => {
    const p = pod({
      containers: [
        { name: 'a', volumeMounts: [{ name: 'mine', mountPath: '/etc/podnetinfo/' }] },
        { name: 'b', volumeMounts: [{ name: 'podnetinfo', mountPath: '/elsewhere' }] },
      ],
      spec: { volumes: [{ name: 'mine', emptyDir: {} }] },
    })
    const r = plan(p)
    t.same(r.ops, [])
    t.same(r.summary, [])
    const partly = plan(
      pod({
        containers: [
          { name: 'a', volumeMounts: [{ name: 'mine', mountPath: PODNETINFO_PATH }] },
          { name: 'b' },
        ],
      }),
    )
    t.same(containers(partly.after)[0]?.volumeMounts, [
      { name: 'mine', mountPath: PODNETINFO_PATH },
    ])
    t.same(containers(partly.after)[1]?.volumeMounts, [MOUNT])
  },
)

t.test('hugepage items and CONTAINER_NAME when the option is on', async (t) => {
  const p = pod({
    containers: [
      {
        name: 'dpdk',
        resources: {
          requests: { 'hugepages-1Gi': '2Gi', cpu: '1' },
          limits: { 'hugepages-1Gi': '2Gi', 'hugepages-2Mi': '0' },
        },
      },
      {
        name: 'side',
        env: [{ name: 'CONTAINER_NAME', value: 'x' }],
        resources: { limits: { 'hugepages-2Mi': '64Mi' } },
      },
      { name: 'plain', resources: 'odd' },
      { resources: { requests: { 'hugepages-2Mi': '2Mi' } } },
    ],
  })
  const off = plan(p)
  t.same(
    (off.after as { spec: { volumes: { downwardAPI: { items: unknown[] } }[] } }).spec.volumes[0]
      ?.downwardAPI.items,
    BASE_ITEMS,
  )
  const r = plan(p, { hugepages: true })
  t.same(r.problems, [])
  t.same(containers(r.after)[3]?.volumeMounts, [MOUNT], 'an unnamed container is still mounted')
  const volume = (r.after as { spec: { volumes: { downwardAPI: { items: unknown[] } }[] } }).spec
    .volumes[0]
  t.same(volume?.downwardAPI.items, [
    ...BASE_ITEMS,
    {
      path: 'hugepages_1G_request_dpdk',
      resourceFieldRef: {
        containerName: 'dpdk',
        resource: 'requests.hugepages-1Gi',
        divisor: '1Mi',
      },
    },
    {
      path: 'hugepages_1G_limit_dpdk',
      resourceFieldRef: { containerName: 'dpdk', resource: 'limits.hugepages-1Gi', divisor: '1Mi' },
    },
    {
      path: 'hugepages_2M_limit_side',
      resourceFieldRef: { containerName: 'side', resource: 'limits.hugepages-2Mi', divisor: '1Mi' },
    },
  ])
  t.same(containers(r.after)[0]?.env, [{ name: 'CONTAINER_NAME', value: 'dpdk' }])
  t.same(containers(r.after)[1]?.env, [{ name: 'CONTAINER_NAME', value: 'x' }])
  t.same(r.second, [])
})

t.test('CONTAINER_NAME is appended to an existing env list', async (t) => {
  const p = pod({
    containers: [
      {
        name: 'c',
        env: [{ name: 'A', value: '1' }],
        resources: { limits: { 'hugepages-2Mi': '2Mi' } },
      },
    ],
  })
  const r = plan(p, { hugepages: true })
  t.same(containers(r.after)[0]?.env, [
    { name: 'A', value: '1' },
    { name: 'CONTAINER_NAME', value: 'c' },
  ])
})

t.test('off, or no containers: nothing', async (t) => {
  t.same(plan(pod(), { podnetinfo: false }).ops, [])
  const none = plan({ spec: {} })
  t.same(none.ops, [])
  t.same(none.summary, ['podnetinfo: the pod has no containers; nothing mounted'])
})

t.test('odd shapes surface as problems for the caller to report', async (t) => {
  const r = plan(
    pod({ containers: ['junk', { name: 'b', volumeMounts: {} }], spec: { volumes: 'x' } }),
  )
  t.same(r.problems, [
    { path: ['spec', 'containers', 0], found: 'junk', expected: 'an object' },
    { path: ['spec', 'containers', 1, 'volumeMounts'], found: {}, expected: 'a list' },
    { path: ['spec', 'volumes'], found: 'x', expected: 'a list' },
  ])
})
