import t from 'tap'
import type { Finding } from '../../src/spec/finding.js'
import { ipOrCidrProblem, ipProblem } from '../../src/spec/names.js'
import { bandwidth, ipList, portMappings } from '../../src/spec/selection-values.js'

// The checkers directly: selection.test.ts covers them through whole annotations.
const run = <T>(check: (findings: Finding[]) => T) => {
  const findings: Finding[] = []
  const value = check(findings)
  return { value, findings: findings.map((f) => `${f.severity} ${f.path}: ${f.message}`) }
}

t.test(
  'ipList: every bad entry is reported with its index; a clean list is returned',
  async (t) => {
    const ips = (v: unknown, mayBeEmpty = false) =>
      run((f) => ipList(v, 'n[0].ips', 'selection.ips', ipOrCidrProblem, mayBeEmpty, f))
    t.same(ips(['10.1.2.3/24', 'fd00::1/64']).value, ['10.1.2.3/24', 'fd00::1/64'])
    const bad = ips(['10.1.2.3/24', 7, '300.1.1.1'])
    t.equal(bad.value, undefined)
    t.match(bad.findings, [
      /^error n\[0\]\.ips\[1\]: must be a string, got a number$/,
      /^error n\[0\]\.ips\[2\]: "300\.1\.1\.1" /,
    ])
    t.match(ips('10.1.2.3').findings, [/must be a list of IP addresses, got a string/])
    t.match(ips([]).findings, [/must not be empty: leave the key out instead/])
    const route = run((f) => ipList([], 'r', 'selection.default-route', ipProblem, true, f))
    t.same(route, { value: [], findings: [] }, 'default-route may be an empty list')
  },
)

t.test(
  'portMappings: ports in range, protocol any case, hostIP an address, extras warned',
  async (t) => {
    const ok = run((f) =>
      portMappings(
        [{ hostPort: 8080, containerPort: 80, protocol: 'udp', hostIP: '::1', x: 1 }],
        'p',
        f,
      ),
    )
    t.same(ok.value, [{ hostPort: 8080, containerPort: 80, protocol: 'UDP', hostIP: '::1' }])
    t.match(ok.findings, [/^warning p\[0\]\.x: unknown port-mapping key "x" is ignored/])
    t.same(run((f) => portMappings([{ hostPort: 1, containerPort: 65535 }], 'p', f)).value, [
      { hostPort: 1, containerPort: 65535, protocol: 'TCP' },
    ])
    const bad = run((f) =>
      portMappings([{ hostPort: 0, protocol: 'ICMP', hostIP: 5 }, 'x'], 'p', f),
    )
    t.equal(bad.value, undefined)
    t.match(bad.findings, [
      /^error p\[0\]\.hostPort: must be an integer from 1 to 65535, got 0$/,
      /^error p\[0\]\.containerPort: is required$/,
      /^error p\[0\]\.protocol: must be one of TCP, UDP, SCTP \(any case\), got "ICMP"$/,
      /^error p\[0\]\.hostIP: must be a string, got a number$/,
      /^error p\[1\]: must be an object with hostPort and containerPort, got a string$/,
    ])
    t.match(run((f) => portMappings({}, 'p', f)).findings, [
      /must be a list of port mappings, got an object/,
    ])
    t.match(run((f) => portMappings([], 'p', f)).findings, [/must not be empty/])
  },
)

t.test('bandwidth: positive integers, bursts need their rates, unknown keys warned', async (t) => {
  const ok = run((f) => bandwidth({ ingressRate: 1000, ingressBurst: 10, other: 1 }, 'b', f))
  t.same(ok.value, { ingressRate: 1000, ingressBurst: 10 })
  t.match(ok.findings, [/^warning b\.other: unknown bandwidth key "other" is ignored/])
  const bad = run((f) => bandwidth({ egressBurst: 5, ingressRate: -1 }, 'b', f))
  t.equal(bad.value, undefined)
  t.match(bad.findings, [
    /^error b\.ingressRate: must be a positive integer/,
    /^error b\.egressBurst: needs egressRate/,
  ])
  t.match(run((f) => bandwidth([], 'b', f)).findings, [/must be an object, got a list/])
})
