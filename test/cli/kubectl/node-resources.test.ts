import t from 'tap'
import {
  NodeRequests,
  nodeRow,
  physicalNetworksOf,
  podRequests,
} from '../../../src/cli/kubectl/node-resources.js'

const R = 'example.com/sriov_a'
const P = 'physnet.multinet.io/'

t.test('physical networks: labels under the prefix whose value is "true"', async (t) => {
  t.same(
    physicalNetworksOf(
      {
        [`${P}storage`]: 'true',
        [`${P}dc`]: 'true',
        [`${P}off`]: 'false',
        [P]: 'true',
        other: 'true',
      },
      P,
    ),
    ['dc', 'storage'],
  )
})

t.test(
  "a pod's request: containers summed, the largest init container if larger, limits as fallback",
  async (t) => {
    const c = (n: string, kind: 'requests' | 'limits' = 'requests') => ({
      resources: { [kind]: { [R]: n } },
    })
    const set = new Set([R, 'example.com/other'])
    t.same(
      podRequests({ spec: { containers: [c('2'), c('1', 'limits'), {}] } }, set),
      new Map([[R, 3]]),
    )
    t.same(
      podRequests({ spec: { containers: [c('1')], initContainers: [c('4'), c('2')] } }, set),
      new Map([[R, 4]]),
    )
    t.same(podRequests({ spec: {} }, set), new Map())
    t.same(podRequests({ spec: { containers: [c('half')] } }, set), new Map())
  },
)

t.test('node rows: capacity, allocatable and the requests of bound, unfinished pods', async (t) => {
  const requests = new NodeRequests(new Set([R]))
  const bound = (node: string | undefined, n: string, phase = 'Running') => ({
    spec: {
      ...(node && { nodeName: node }),
      containers: [{ resources: { requests: { [R]: n } } }],
    },
    status: { phase },
  })
  requests.add(bound('a', '2'))
  requests.add(bound('a', '1', 'Pending'))
  requests.add(bound('a', '5', 'Succeeded'))
  requests.add(bound(undefined, '7'))
  requests.add(bound('b', '3'))
  requests.add({ spec: { nodeName: 'a', containers: [{}] } })
  const node = (name: string, capacity?: Record<string, string>, ready?: string) => ({
    metadata: { name, labels: { [`${P}dc`]: 'true' } },
    status: {
      ...(capacity && { capacity, allocatable: { [R]: '6' } }),
      ...(ready && { conditions: [{ type: 'Ready', status: ready }] }),
    },
  })
  t.same(nodeRow(node('a', { [R]: '8' }, 'True'), P, [R], requests), {
    name: 'a',
    ready: 'Ready',
    physicalNetworks: ['dc'],
    resources: [{ name: R, capacity: 8, allocatable: 6, requested: 3 }],
  })
  // No capacity but requests: shown, so over-commitment on a node that lost its devices is seen.
  t.same(nodeRow(node('b', undefined, 'False'), P, [R], requests).resources, [
    { name: R, capacity: 0, allocatable: 0, requested: 3 },
  ])
  const c = nodeRow(node('c'), P, [R], requests)
  t.equal(c.ready, 'Unknown')
  t.same(c.resources, [])
})
