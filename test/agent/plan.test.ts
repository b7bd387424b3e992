import t from 'tap'
import {
  buildPlan,
  networkNameOf,
  type PlanInput,
  type ResolvedNetwork,
} from '../../src/agent/plan.js'
import type { SelectionElement } from '../../src/spec/types.js'

const primary = { cniVersion: '1.0.0', name: 'cluster', type: 'bridge' }

function net(el: Partial<SelectionElement> & { name: string }, deviceId?: string): ResolvedNetwork {
  const element = { namespace: 'ns', ...el }
  const out: ResolvedNetwork = {
    element,
    config: { cniVersion: '1.0.0', name: el.name, type: 'macvlan' },
  }
  return deviceId === undefined ? out : { ...out, deviceId }
}

function input(extra: Partial<PlanInput> = {}): PlanInput {
  return {
    containerId: 'c1',
    netns: '/run/netns/x',
    ifName: 'eth0',
    args: [['K8S_POD_NAME', 'p']],
    pod: { namespace: 'ns', name: 'p', uid: 'u' },
    cniVersion: '0.4.0',
    primary,
    runtimeConfig: { portMappings: [{ hostPort: 80, containerPort: 8080, protocol: 'tcp' }] },
    networks: [],
    now: new Date('2026-01-01T00:00:00Z'),
    ...extra,
  }
}

t.test(
  'primary as eth0 with the runtime config, then net<N> by position or explicit names',
  async (t) => {
    const plan = buildPlan(
      input({
        networks: [
          net({ name: 'a' }),
          net({ name: 'b', interface: 'fast' }),
          net(
            {
              name: 'c',
              ips: ['10.1.1.5/24'],
              mac: '02:00:00:00:00:01',
              portMappings: [{ hostPort: 1, containerPort: 2, protocol: 'UDP', hostIP: '1.2.3.4' }],
              bandwidth: { ingressRate: 1000 },
              'infiniband-guid': '00:11:22:33:44:55:66:77',
            },
            '0000:03:00.1',
          ),
        ],
      }),
    )
    t.equal(plan.version, 1)
    t.equal(plan.createdAt, '2026-01-01T00:00:00.000Z')
    t.equal(plan.cniVersion, '0.4.0')
    t.same(
      plan.attachments.map((a) => [a.network, a.ifName, a.primary, a.state]),
      [
        ['cluster', 'eth0', true, 'planned'],
        ['ns/a', 'net1', false, 'planned'],
        ['ns/b', 'fast', false, 'planned'],
        ['ns/c', 'net3', false, 'planned'],
      ],
    )
    t.same(plan.attachments[0]!.capabilityArgs, {
      portMappings: [{ hostPort: 80, containerPort: 8080, protocol: 'tcp' }],
    })
    t.same(plan.attachments[1]!.capabilityArgs, {}, 'secondaries do not inherit hostPorts')
    t.same(plan.attachments[3]!.capabilityArgs, {
      ips: ['10.1.1.5/24'],
      mac: '02:00:00:00:00:01',
      portMappings: [{ hostPort: 1, containerPort: 2, protocol: 'udp', hostIP: '1.2.3.4' }],
      bandwidth: { ingressRate: 1000 },
      infinibandGUID: '00:11:22:33:44:55:66:77',
      deviceID: '0000:03:00.1',
    })
    t.equal(plan.attachments[3]!.deviceId, '0000:03:00.1')
    t.same(plan.attachments[1]!.nad, { namespace: 'ns', name: 'a' })
    t.equal(plan.attachments[0]!.nad, undefined)
  },
)

t.test('default-network replaces the primary config, keeping eth0', async (t) => {
  const plan = buildPlan(
    input({ defaultNetwork: net({ name: 'other', mac: '02:00:00:00:00:09' }) }),
  )
  const a = plan.attachments[0]!
  t.equal(a.network, 'ns/other')
  t.equal(a.ifName, 'eth0')
  t.equal(a.primary, true)
  t.same(a.config, { cniVersion: '1.0.0', name: 'other', type: 'macvlan' })
  t.same(a.capabilityArgs, {
    portMappings: [{ hostPort: 80, containerPort: 8080, protocol: 'tcp' }],
    mac: '02:00:00:00:00:09',
  })
  t.same(a.nad, { namespace: 'ns', name: 'other' })
})

t.test('an interface used twice is refused', async (t) => {
  t.throws(() => buildPlan(input({ networks: [net({ name: 'a', interface: 'eth0' })] })), {
    code: 7,
    message: 'networks[0] (ns/a) asks for interface eth0, which cluster already uses',
  })
})

t.test('default-route: one gateway per family; the others lose that family', async (t) => {
  const plan = buildPlan(
    input({
      networks: [
        net({ name: 'v4', 'default-route': ['10.1.1.1'] }),
        net({ name: 'v6', 'default-route': ['fd00::1'] }),
        net({ name: 'plain' }),
      ],
    }),
  )
  t.same(
    plan.attachments.map((a) => [a.ifName, a.filterV4Gateway, a.filterV6Gateway, a.defaultRoute]),
    [
      ['eth0', true, true, undefined],
      ['net1', false, true, ['10.1.1.1']],
      ['net2', true, false, ['fd00::1']],
      ['net3', true, true, undefined],
    ],
  )
  const none = buildPlan(input({ networks: [net({ name: 'x' })] }))
  t.same(
    none.attachments.map((a) => [a.filterV4Gateway, a.filterV6Gateway]),
    [
      [false, false],
      [false, false],
    ],
  )
  t.throws(
    () =>
      buildPlan(
        input({
          networks: [
            net({ name: 'a', 'default-route': ['10.1.1.1'] }),
            net({ name: 'b', 'default-route': ['10.2.2.1'] }),
          ],
        }),
      ),
    { code: 7, message: /ns\/b asks for IPv4 gateway 10.2.2.1 but ns\/a already has 10.1.1.1/ },
  )
})

t.test('network names', async (t) => {
  t.equal(networkNameOf({ name: 'x' }), 'x')
  t.equal(networkNameOf({}), 'unnamed')
})
