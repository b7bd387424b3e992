import t from 'tap'
import {
  cniNetworkNameProblem,
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  extendedResourceNameProblem,
  hardwareAddressBytes,
  infinibandGuidProblem,
  interfaceNameProblem,
  ipOrCidrProblem,
  ipProblem,
  isDns1123Label,
  isDns1123Subdomain,
  isExtendedResourceName,
  isInfinibandGuid,
  isInterfaceName,
  isIp,
  isIpOrCidr,
  isLabelKey,
  isLabelValue,
  isMac,
  labelKeyProblem,
  labelValueProblem,
  macProblem,
} from '../../src/spec/names.js'

/** Per validator: values it accepts, and values it refuses with a reason matching a pattern. */
const table: {
  readonly name: string
  readonly is: (v: string) => boolean
  readonly problem: (v: string) => string | undefined
  readonly valid: readonly string[]
  readonly invalid: readonly (readonly [string, RegExp])[]
}[] = [
  {
    name: 'DNS-1123 label',
    is: isDns1123Label,
    problem: dns1123LabelProblem,
    valid: ['a', '0', '0net', 'net-1', 'a'.repeat(63), '123'],
    invalid: [
      ['', /empty/],
      ['a'.repeat(64), /at most 63 characters \(has 64\)/],
      ['-a', /DNS-1123 label/],
      ['a-', /DNS-1123 label/],
      ['A', /DNS-1123 label/],
      ['a.b', /DNS-1123 label/],
      ['a_b', /DNS-1123 label/],
    ],
  },
  {
    name: 'DNS-1123 subdomain',
    is: isDns1123Subdomain,
    problem: dns1123SubdomainProblem,
    valid: ['a', 'example.com', 'a-1.b-2.c', `${'a'.repeat(63)}.${'b'.repeat(63)}`],
    invalid: [
      ['', /empty/],
      ['a.', /subdomain/],
      ['.a', /subdomain/],
      ['a..b', /subdomain/],
      ['Example.com', /subdomain/],
      ['a'.repeat(254), /at most 253/],
    ],
  },
  {
    name: 'label key',
    is: isLabelKey,
    problem: labelKeyProblem,
    valid: ['role', 'node-role.kubernetes.io/edge', 'example.com/Zone_A', 'a.b', 'A'],
    invalid: [
      ['', /empty/],
      ['/x', /prefix must not be empty/],
      ['Example.com/x', /prefix must be a DNS-1123 subdomain/],
      ['a/b/c', /at most one "\/"/],
      ['example.com/', /name part must not be empty/],
      ['-x', /name part must consist/],
      ['x'.repeat(64), /at most 63/],
      ['bad key', /name part must consist/],
    ],
  },
  {
    name: 'label value',
    is: isLabelValue,
    problem: labelValueProblem,
    valid: ['', 'a', 'Edge_1.2-x', 'v'.repeat(63)],
    invalid: [
      ['v'.repeat(64), /at most 63/],
      ['-a', /must be empty or consist/],
      ['a b', /must be empty or consist/],
      ['a/b', /must be empty or consist/],
    ],
  },
  {
    name: 'extended resource name',
    is: isExtendedResourceName,
    problem: extendedResourceNameProblem,
    valid: [
      'intel.com/sriov_netdevice',
      'nvidia.com/hostdev',
      'openshift.io/mlxnics',
      'example.com/A.b-c_d',
      `${'d'.repeat(244)}/x`,
    ],
    invalid: [
      ['sriov', /fully qualified/],
      ['kubernetes.io/foo', /reserved kubernetes.io/],
      ['sub.kubernetes.io/foo', /reserved kubernetes.io/],
      ['requests.example.com/x', /requests\./],
      ['Intel.com/x', /domain must be a DNS-1123 subdomain/],
      ['intel.com/', /name part must not be empty/],
      ['intel.com/a/b', /at most one "\/"/],
      [`intel.com/${'x'.repeat(64)}`, /at most 63/],
      [' intel.com/x', /subdomain/],
      [`${'d'.repeat(245)}/x`, /at most 253/],
    ],
  },
  {
    name: 'interface name',
    is: isInterfaceName,
    problem: interfaceNameProblem,
    valid: ['eth0', 'net1', 'my_if', 'eth0.100', 'Eth-1', 'a', 'x'.repeat(15), 'ü'.repeat(7)],
    invalid: [
      ['', /empty/],
      ['x'.repeat(16), /at most 15 bytes \(has 16\)/],
      ['ü'.repeat(8), /at most 15 bytes \(has 16\)/],
      ['.', /"\." or "\.\."/],
      ['..', /"\." or "\.\."/],
      ['a/b', /"\/", ":" or whitespace/],
      ['a:b', /"\/", ":" or whitespace/],
      ['a b', /whitespace/],
      ['a\tb', /whitespace/],
      ['a\u0085b', /whitespace/],
      ['a\u00a0b', /whitespace/],
      ['a\u0000b', /control, format or bidirectional characters \(U\+0000 at character 2\)/],
      // Issue 11 #13: characters the kernel takes but that hide the real name in `ip link`.
      ['eth\u202e0', /\(U\+202E at character 4\)/],
      ['\u2066eth0', /\(U\+2066 at character 1\)/],
      ['eth\u200d0', /\(U\+200D at character 4\)/],
      ['e\u200ft', /\(U\+200F at character 2\)/],
      ['e\u007ft', /\(U\+007F at character 2\)/],
      ['e\u001bt', /\(U\+001B at character 2\)/],
      ['e\ufefft', /\(U\+FEFF at character 2\)/],
      ['e\ud800t', /\(U\+D800 at character 2\)/],
    ],
  },
  {
    name: 'MAC address',
    is: isMac,
    problem: macProblem,
    valid: ['02:00:5e:10:00:01', '02-00-5E-10-00-01', '0200.5e10.0001'],
    invalid: [
      ['02:00:5e:10:00', /6-byte/],
      ['02:00:5e:10:00:01:02:03', /6-byte/],
      ['02:00-5e:10:00:01', /6-byte/],
      ['02:00:5e:10:00:0g', /6-byte/],
      ['2:0:5e:10:0:1', /6-byte/],
      ['', /6-byte/],
    ],
  },
  {
    name: 'InfiniBand GUID',
    is: isInfinibandGuid,
    problem: infinibandGuidProblem,
    valid: ['c2:11:22:33:44:55:66:77', 'c211.2233.4455.6677', 'C2-11-22-33-44-55-66-77'],
    invalid: [
      ['02:00:5e:10:00:01', /8-byte/],
      ['c2:11:22:33:44:55:66', /8-byte/],
      ['guid', /8-byte/],
    ],
  },
  {
    name: 'IP address',
    is: isIp,
    problem: ipProblem,
    valid: ['10.0.0.1', '::', '::1', '2001:db8::1', '::ffff:10.0.0.1'],
    invalid: [
      ['10.0.0.1/8', /IPv4 or IPv6/],
      ['10.0.0', /IPv4 or IPv6/],
      ['010.0.0.1', /IPv4 or IPv6/],
      ['fe80::1%eth0', /IPv4 or IPv6/],
      [' 10.0.0.1', /IPv4 or IPv6/],
      ['', /IPv4 or IPv6/],
    ],
  },
  {
    name: 'IP or IP/prefix',
    is: isIpOrCidr,
    problem: ipOrCidrProblem,
    valid: ['10.0.0.1', '10.0.0.1/0', '10.0.0.0/32', '2001:db8::/128', '2001:db8::1/64'],
    invalid: [
      ['10.0.0.1/33', /0 to 32/],
      ['2001:db8::/129', /0 to 128/],
      ['10.0.0.1/024', /0 to 32/],
      ['10.0.0.1/', /0 to 32/],
      ['10.0.0.1/x', /0 to 32/],
      ['10.0.0/24', /IP address or IP\/prefix/],
      ['fe80::1%eth0/64', /IP address or IP\/prefix/],
      ['x', /IP address or IP\/prefix/],
    ],
  },
  {
    name: 'CNI network name',
    is: (v) => !cniNetworkNameProblem(v),
    problem: cniNetworkNameProblem,
    valid: ['mynet', 'My_Net.1-2', '0'],
    invalid: [
      ['', /empty/],
      ['-net', /start with a letter or digit/],
      ['my net', /only letters/],
      ['a/b', /only letters/],
    ],
  },
]

for (const v of table) {
  t.test(v.name, async (t) => {
    for (const value of v.valid) {
      t.equal(v.problem(value), undefined, `accepts ${JSON.stringify(value)}`)
      t.equal(v.is(value), true)
    }
    for (const [value, reason] of v.invalid) {
      t.match(v.problem(value), reason, `refuses ${JSON.stringify(value)}`)
      t.equal(v.is(value), false)
    }
  })
}

t.test('hardware address byte counts follow Go net.ParseMAC notations', async (t) => {
  t.equal(hardwareAddressBytes('02:00:5e:10:00:01'), 6)
  t.equal(hardwareAddressBytes('02:00:5e:10:00:01:02:03'), 8)
  t.equal(hardwareAddressBytes(`${'00:'.repeat(19)}01`), 20)
  t.equal(hardwareAddressBytes('0000.0000.0000.0000.0000.0000.0000.0000.0000.0001'), 20)
  t.equal(hardwareAddressBytes('0200.5e10.0001'), 6)
  t.equal(hardwareAddressBytes('02005e100001'), 0)
})
