import t from 'tap'
import type { Attachment } from '../../src/mutation/attachments.js'
import { planNodeSelector } from '../../src/mutation/node-selector.js'
import { diff, Overlay } from '../../src/mutation/overlay.js'
import { nad, OPTIONS, PHYS, pod, SEL } from '../fixtures/mutation/pods.js'

const att = (origin: string, ref: string, annotations: Record<string, string> = {}): Attachment => {
  const [namespace = '', name = ''] = ref.split('/')
  return { origin, namespace, name, nad: nad(ref, annotations) }
}

function plan(p: unknown, attachments: Attachment[]) {
  const overlay = new Overlay()
  const r = planNodeSelector(p, attachments, OPTIONS, overlay)
  return { ...r, ops: diff(p, overlay).ops }
}

t.test('NAD selectors become spec.nodeSelector entries; key alone means empty value', async (t) => {
  const r = plan(pod(), [
    att('networks[0]', 'ns1/a', { [SEL]: ' kubernetes.io/hostname = node-1 ' }),
    att('networks[1]', 'ns1/b', { [SEL]: 'sriov-capable' }),
    att('networks[2]', 'ns1/a', { [SEL]: 'kubernetes.io/hostname=node-1' }),
  ])
  t.same(r.findings, [])
  t.same(r.ops, [
    {
      op: 'add',
      path: '/spec/nodeSelector',
      value: { 'kubernetes.io/hostname': 'node-1', 'sriov-capable': '' },
    },
  ])
  t.same(r.summary, [
    'nodeSelector kubernetes.io/hostname="node-1": node selector of NAD ns1/a (networks[0])',
    'nodeSelector sriov-capable="": node selector of NAD ns1/b (networks[1])',
  ])
})

t.test('without a resource name the selector is still injected (NRI #78)', async (t) => {
  const r = plan(pod({ spec: { nodeSelector: { zone: 'a' } } }), [
    att('networks[0]', 'ns1/a', { [SEL]: 'x.io/nic=yes' }),
  ])
  t.same(r.ops, [{ op: 'add', path: '/spec/nodeSelector/x.io~1nic', value: 'yes' }])
})

t.test('a physical network becomes <prefix><physnet>=true', async (t) => {
  const r = plan(pod(), [att('networks[0]', 'ns1/a', { [PHYS]: ' physnet1 ' })])
  t.same(r.ops, [
    { op: 'add', path: '/spec/nodeSelector', value: { 'physnet.multinet.io/physnet1': 'true' } },
  ])
  t.match(r.summary[0], /physical network physnet1 of NAD ns1\/a/)
})

t.test('a value already on the pod that matches: nothing to do', async (t) => {
  const r = plan(pod({ spec: { nodeSelector: { zone: 'a' } } }), [
    att('networks[0]', 'ns1/a', { [SEL]: 'zone=a' }),
  ])
  t.same(r.ops, [])
  t.same(r.findings, [])
})

t.test('changed from NRI: a conflict with the pod is a denial naming both values', async (t) => {
  const r = plan(pod({ spec: { nodeSelector: { zone: 'b' } } }), [
    att('networks[0]', 'ns1/a', { [SEL]: 'zone=a' }),
  ])
  t.same(r.ops, [])
  t.same(r.findings, [
    {
      rule: 'pod.node-selector-conflict',
      severity: 'error',
      path: 'spec.nodeSelector.zone',
      message:
        'the pod selects nodes with zone="b" but NAD ns1/a (networks[0]) needs zone="a"; no node can satisfy both',
    },
  ])
})

t.test('changed from NRI: two NADs that disagree are a denial, not last-wins', async (t) => {
  const r = plan(pod(), [
    att('networks[0]', 'ns1/a', { [SEL]: 'zone=a' }),
    att('networks[1]', 'ns1/b', { [SEL]: 'zone=b' }),
    att('networks[2]', 'ns1/b', { [SEL]: 'zone=b' }),
  ])
  t.equal(r.findings.length, 1)
  t.equal(r.findings[0]?.path, 'networks[1]')
  t.equal(
    r.findings[0]?.message,
    'NAD ns1/b (networks[1]) needs node label zone="b" but NAD ns1/a (networks[0]) needs zone="a"; no node can satisfy both',
  )
})

t.test('malformed NAD annotations are denials, reported once per NAD', async (t) => {
  const r = plan(pod(), [
    att('networks[0]', 'ns1/a', { [SEL]: 'a=b=c' }),
    att('networks[1]', 'ns1/a', { [SEL]: 'a=b=c' }),
    att('networks[2]', 'ns1/b', { [SEL]: ' =x' }),
    att('networks[3]', 'ns1/c', { [PHYS]: 'has space' }),
    att('networks[4]', 'ns1/d', { [PHYS]: 'x'.repeat(64) }),
    att('networks[5]', 'ns1/d', { [PHYS]: 'x'.repeat(64) }),
  ])
  t.same(
    r.findings.map((f) => [f.rule, f.path]),
    [
      ['nad.node-selector', 'networks[0]'],
      ['nad.node-selector', 'networks[2]'],
      ['nad.physical-network', 'networks[3]'],
      ['nad.physical-network', 'networks[4]'],
    ],
  )
  t.match(r.findings[0]?.message, /is "a=b=c": .*must be "key" or "key=value"/)
})

t.test('a node selector the API server would refuse is a denial, not a patch', async (t) => {
  const r = plan(pod(), [
    att('networks[0]', 'ns1/a', { [SEL]: 'a~b/c=1' }),
    att('networks[1]', 'ns1/b', { [SEL]: 'zone=not valid' }),
  ])
  t.same(
    r.findings.map((f) => [f.rule, f.path]),
    [
      ['nad.node-selector', 'networks[0]'],
      ['nad.node-selector', 'networks[1]'],
    ],
  )
  t.same(r.ops, [])
})

t.test('unknown NADs and odd pods contribute nothing and do not throw', async (t) => {
  const r = plan('not a pod', [
    { origin: 'networks[0]', namespace: 'x', name: 'y', nad: undefined },
  ])
  t.same(r, { findings: [], summary: [], ops: [] })
})
