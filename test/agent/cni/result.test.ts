import t from 'tap'
import { convertResult, toCurrentResult } from '../../../src/agent/cni/result.js'

const v040 = {
  cniVersion: '0.4.0',
  interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01', sandbox: '/run/netns/x' }],
  ips: [
    { version: '4', address: '10.251.0.2/24', gateway: '10.251.0.1', interface: 0 },
    { version: '6', address: 'fd00::2/64', interface: 0 },
  ],
  routes: [{ dst: '0.0.0.0/0', gw: '10.251.0.1' }],
  dns: { nameservers: ['10.251.0.53'] },
}

t.test('0.4.0 up to the 1.0.0 shape and back, lossless', async (t) => {
  const current = toCurrentResult(v040, '0.4.0')
  t.same(current, {
    cniVersion: '1.0.0',
    interfaces: v040.interfaces,
    ips: [
      { address: '10.251.0.2/24', gateway: '10.251.0.1', interface: 0 },
      { address: 'fd00::2/64', interface: 0 },
    ],
    routes: v040.routes,
    dns: v040.dns,
  })
  t.same(convertResult(current, '0.4.0'), v040)
  t.same(convertResult(current, '0.3.1'), { ...v040, cniVersion: '0.3.1' })
})

t.test('1.x keeps every field; a missing cniVersion takes the requested one', async (t) => {
  const r = {
    cniVersion: '1.1.0',
    interfaces: [{ name: 'net1', mtu: 9000, socketPath: '/s', pciID: '0000:00:01.0' }],
    ips: [{ address: '10.251.0.3/24' }],
    routes: [
      {
        dst: '10.0.0.0/8',
        gw: '10.251.0.1',
        mtu: 1400,
        advmss: 1360,
        priority: 5,
        table: 100,
        scope: 0,
      },
    ],
  }
  t.same(toCurrentResult(r, '1.0.0'), r)
  t.same(convertResult(toCurrentResult(r, '1.0.0'), '1.0.0'), { ...r, cniVersion: '1.0.0' })
  const down = convertResult(toCurrentResult(r, '1.1.0'), '0.3.0')
  t.same(down, {
    cniVersion: '0.3.0',
    interfaces: [{ name: 'net1' }],
    ips: [{ version: '4', address: '10.251.0.3/24' }],
    routes: [{ dst: '10.0.0.0/8', gw: '10.251.0.1' }],
  })
  const bare: Record<string, unknown> = { ...v040 }
  delete bare.cniVersion
  t.equal(toCurrentResult(bare, '0.3.1').cniVersion, '1.0.0')
  t.same(toCurrentResult({ cniVersion: '1.0.0', dns: null, ips: null }, '1.0.0'), {
    cniVersion: '1.0.0',
  })
})

t.test('bad results are refused with their path', async (t) => {
  const cases: Array<[unknown, string]> = [
    ['x', 'result : expected a JSON object'],
    [{ cniVersion: '0.2.0' }, 'result .cniVersion: version 0.2.0 is not supported'],
    [{ cniVersion: 1 }, 'result .cniVersion: expected a string'],
    [{ ips: {} }, 'result .ips: expected an array'],
    [{ ips: [1] }, 'result .ips[0]: expected an object'],
    [{ ips: [{}] }, 'result .ips[0].address: required'],
    [{ interfaces: [{ name: 'a', mtu: '1500' }] }, 'result .interfaces[0].mtu: expected a number'],
    [{ routes: [{ dst: 1 }] }, 'result .routes[0].dst: expected a string'],
    [{ dns: [] }, 'result .dns: expected an object'],
  ]
  for (const [raw, msg] of cases) t.throws(() => toCurrentResult(raw, '1.0.0'), new TypeError(msg))
  t.throws(() => convertResult({ cniVersion: '1.0.0' }, '0.2.0'), {
    message: 'cannot write a result for CNI version 0.2.0',
  })
})
