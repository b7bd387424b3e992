import t from 'tap'
import type { CniResult } from '../../src/agent/cni/types.js'
import {
  applyDefaultRoute,
  nsenterIp,
  rewriteRoutes,
  routeCommands,
} from '../../src/agent/default-route.js'
import type { PlannedAttachment } from '../../src/agent/plan.js'
import { HostNet, ip } from './fixtures/host-net.js'

function att(extra: Partial<PlannedAttachment>): PlannedAttachment {
  return {
    network: 'n',
    ifName: 'net1',
    primary: false,
    config: {},
    capabilityArgs: {},
    filterV4Gateway: false,
    filterV6Gateway: false,
    state: 'added',
    ...extra,
  } as PlannedAttachment
}

const result: CniResult = {
  cniVersion: '1.0.0',
  ips: [{ address: '10.9.0.2/24', gateway: '10.9.0.1' }],
  routes: [
    { dst: '0.0.0.0/0' },
    { dst: '::/0', gw: 'fd00::1' },
    { dst: '10.8.0.0/16', gw: '10.9.0.1' },
  ],
}

t.test('commands and the rewritten result for each case', async (t) => {
  t.same(routeCommands(att({})), [])
  t.equal(rewriteRoutes(att({}), result), result, 'untouched result is the same object')
  t.same(
    routeCommands(att({ filterV4Gateway: true })).map((c) => c.args.join(' ')),
    ['-4 route flush exact 0.0.0.0/0 dev net1'],
  )
  t.same(rewriteRoutes(att({ filterV4Gateway: true }), result).routes, [
    { dst: '::/0', gw: 'fd00::1' },
    { dst: '10.8.0.0/16', gw: '10.9.0.1' },
  ])
  const owner = att({ defaultRoute: ['10.9.0.254', 'fd00::9'] })
  t.same(
    routeCommands(owner).map((c) => c.args.join(' ')),
    [
      '-4 route flush exact 0.0.0.0/0 dev net1',
      '-4 route add default via 10.9.0.254 dev net1',
      '-6 route flush exact ::/0 dev net1',
      '-6 route add default via fd00::9 dev net1',
    ],
  )
  t.same(rewriteRoutes(owner, result).routes, [
    { dst: '10.8.0.0/16', gw: '10.9.0.1' },
    { dst: '0.0.0.0/0', gw: '10.9.0.254' },
    { dst: '::/0', gw: 'fd00::9' },
  ])
  t.same(
    routeCommands(att({ filterV6Gateway: true })).map((c) => c.args.join(' ')),
    ['-6 route flush exact ::/0 dev net1'],
  )
})

t.test('applied in a real netns: the default route moves to the chosen interface', async (t) => {
  const net = new HostNet()
  t.teardown(() => net.cleanup())
  const ns = net.netns()
  // Two veths inside the netns, each with a default route (two attachments that both route).
  for (const [dev, addr, gw] of [
    ['eth0', '10.252.250.2/24', '10.252.250.1'],
    ['net1', '10.252.251.2/24', '10.252.251.1'],
  ] as const) {
    ip('-n', ns.name, 'link', 'add', dev, 'type', 'veth', 'peer', 'name', `${dev}p`)
    ip('-n', ns.name, 'addr', 'add', addr, 'dev', dev)
    ip('-n', ns.name, 'link', 'set', dev, 'up')
    ip('-n', ns.name, 'link', 'set', `${dev}p`, 'up')
    ip(
      '-n',
      ns.name,
      'route',
      'add',
      'default',
      'via',
      gw,
      'dev',
      dev,
      'metric',
      dev === 'eth0' ? '100' : '200',
    )
  }
  await applyDefaultRoute(att({ ifName: 'eth0', filterV4Gateway: true }), ns.path)
  await applyDefaultRoute(att({ ifName: 'net1', defaultRoute: ['10.252.251.254'] }), ns.path)
  const defaults = net
    .routesIn(ns.name)
    .filter((r) => r.dst === 'default')
    .map((r) => [r.dev, r.gateway])
  t.same(defaults, [['net1', '10.252.251.254']])
  await t.rejects(
    nsenterIp(ns.path, ['route', 'add', 'default', 'via', '10.99.99.1', 'dev', 'nope']),
    {
      message: /^ip route add default via 10.99.99.1 dev nope: /,
    },
  )
})
