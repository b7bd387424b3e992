import t from 'tap'
import { podAttachments } from '../../../src/cli/kubectl/pod-attachments.js'

const pod = (annotations: Record<string, string>, phase?: string, ns = 'app') => ({
  metadata: { name: 'p', namespace: ns, annotations },
  spec: { nodeName: 'node-a' },
  ...(phase && { status: { phase } }),
})
const NETWORKS = 'k8s.v1.cni.cncf.io/networks'
const STATUS = 'k8s.v1.cni.cncf.io/network-status'
const DEFAULT = 'v1.multus-cni.io/default-network'

t.test('a pod with no network annotation is not shown', async (t) => {
  t.equal(podAttachments(pod({})), undefined)
})

t.test('selections matched to status entries by name and interface', async (t) => {
  const status = [
    { name: 'cbr0', interface: 'eth0', ips: ['10.244.0.5'], default: true },
    { name: 'infra/shared', interface: 'net2', ips: ['192.168.1.2/24'], mac: '02:00:5e:00:00:02' },
    { name: 'infra/shared', interface: 'net1', ips: ['192.168.1.1/24'] },
    // The bare name stands for the pod's namespace, as some writers report it.
    { name: 'own', interface: 'net3', 'default-route': ['192.168.3.1'] },
    { name: 'other/x', interface: 'net9' },
  ]
  const p = podAttachments(
    pod(
      {
        [NETWORKS]: JSON.stringify([
          { name: 'shared', namespace: 'infra', interface: 'net1' },
          { name: 'shared', namespace: 'infra' },
          { name: 'own' },
          { name: 'gone' },
        ]),
        [STATUS]: JSON.stringify(status),
      },
      'Running',
    ),
  )
  t.same(p?.node, 'node-a')
  t.same(
    p?.attachments.map((a) => [
      a.origin,
      a.network,
      a.interface,
      a.ips.join(','),
      a.route,
      a.state,
    ]),
    [
      ['networks[0]', 'infra/shared', 'net1', '192.168.1.1/24', '', 'attached'],
      ['networks[1]', 'infra/shared', 'net2', '192.168.1.2/24', '', 'attached'],
      ['networks[2]', 'own', 'net3', '', 'via 192.168.3.1', 'attached'],
      ['networks[3]', 'app/gone', undefined, '', '', 'no-status'],
      ['network-status', 'cbr0', 'eth0', '10.244.0.5', 'default', 'cluster-default'],
      ['network-status', 'other/x', 'net9', '', '', 'unselected'],
    ],
  )
  t.equal(p?.attachments[1]?.mac, '02:00:5e:00:00:02')
})

t.test(
  'pending pods wait; a default-network selection counts; phase defaults to Pending',
  async (t) => {
    const p = podAttachments({
      metadata: { name: 'q', annotations: { [DEFAULT]: 'infra/primary', [NETWORKS]: 'a,b' } },
    })
    t.equal(p?.namespace, 'default')
    t.equal(p?.phase, 'Pending')
    t.equal(p?.node, '')
    t.same(
      p?.attachments.map((a) => `${a.origin} ${a.network} ${a.state}`),
      [
        'default-network infra/primary waiting',
        'networks[0] default/a waiting',
        'networks[1] default/b waiting',
      ],
    )
  },
)

t.test('annotations that do not parse are shown as invalid, with why', async (t) => {
  const p = podAttachments(
    pod({ [NETWORKS]: '[{"name": 5}]', [STATUS]: '{', [DEFAULT]: '{}' }, 'Running'),
  )
  t.same(
    p?.attachments.map((a) => `${a.origin} ${a.state}`),
    ['default-network invalid', 'networks invalid', 'network-status invalid'],
  )
  t.match(p?.attachments[2]?.problem, /^network-status: .*\[status\.syntax\]$/)
})
