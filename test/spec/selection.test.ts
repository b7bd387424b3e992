import t from 'tap'
import { formatSelections, parseDefaultNetwork, parseSelections } from '../../src/spec/selection.js'
import type { SelectionElement } from '../../src/spec/types.js'
import { humane, summary } from '../fixtures/spec/findings.js'

const NS = 'pod-ns'

interface Case {
  readonly name: string
  readonly value: string
  /** Expected elements when the value is valid. */
  readonly elements?: SelectionElement[]
  /** Expected errors as `rule@path`, in order. */
  readonly errors?: string[]
  readonly warnings?: string[]
  /** The first finding's message must match. */
  readonly message?: RegExp
}

const el = (name: string, extra: Partial<SelectionElement> = {}): SelectionElement => ({
  name,
  namespace: NS,
  ...extra,
})
const json = (...elements: unknown[]): string => JSON.stringify(elements)

// Comma-delimited form (spec §4.1.1 plus the Multus @ifname extension).
const commaCases: Case[] = [
  {
    name: 'spec example: names in the pod namespace and another namespace',
    value: 'net-a,net-b,other-ns/net-c',
    elements: [el('net-a'), el('net-b'), el('net-c', { namespace: 'other-ns' })],
  },
  { name: 'blank annotation selects nothing', value: '', elements: [] },
  { name: 'whitespace-only annotation selects nothing', value: '  \t ', elements: [] },
  { name: 'items are trimmed', value: ' net1 ,  net2 ', elements: [el('net1'), el('net2')] },
  {
    name: 'differs from NRI: spaces around "/" and "@" are trimmed (NRI keeps and rejects them)',
    value: 'ns1 / net1 @ eth1',
    elements: [el('net1', { namespace: 'ns1', interface: 'eth1' })],
  },
  {
    name: 'namespace, name and interface together',
    value: 'ns1/net1@eth1',
    elements: [el('net1', { namespace: 'ns1', interface: 'eth1' })],
  },
  { name: 'leading digit in a name is fine', value: '0net,9-a', elements: [el('0net'), el('9-a')] },
  {
    name: 'a number-like item is a network name (a NAD may be called 100)',
    value: '100',
    elements: [el('100')],
  },
  { name: 'name of 63 characters', value: 'a'.repeat(63), elements: [el('a'.repeat(63))] },
  {
    name: 'differs from NADAC/NRI: net1@my_if is valid (kernel rule, as Multus applies it)',
    value: 'net1@my_if',
    elements: [el('net1', { interface: 'my_if' })],
  },
  {
    name: 'differs from NADAC/NRI: net1@eth0.100 is valid (VLAN-style interface names)',
    value: 'net1@eth0.100',
    elements: [el('net1', { interface: 'eth0.100' })],
  },
  {
    name: 'differs from NADAC/NRI: upper-case interface names are valid',
    value: 'net1@Eth1',
    elements: [el('net1', { interface: 'Eth1' })],
  },
  {
    name: 'interface of exactly 15 bytes',
    value: 'net1@abcdefghijklmno',
    elements: [el('net1', { interface: 'abcdefghijklmno' })],
  },
  {
    name: 'spec §4.2: the same network twice is two attachments (net1, net2)',
    value: 'net1,net1',
    elements: [el('net1'), el('net1')],
  },
  {
    name: 'like NADAC: net1,"net2" is refused (quotes are not part of a name)',
    value: 'net1,"net2"',
    errors: ['selection.name@networks[1]'],
    message: /comma form takes bare names/,
  },
  {
    name: 'differs from NADAC (network named "null") and NRI (empty list): null is refused',
    value: 'null',
    errors: ['selection.not-list@networks'],
    message: /JSON null, not a list/,
  },
  {
    name: 'a JSON string is not a list',
    value: '"net1"',
    errors: ['selection.not-list@networks'],
    message: /got a string/,
  },
  {
    name: 'differs from NRI (falls back to the comma parser): a JSON object is not a list',
    value: '{"name":"net1"}',
    errors: ['selection.not-list@networks'],
    message: /must be a JSON list/,
  },
  {
    name: 'JSON objects without brackets are refused',
    value: '{"name":"a"},{"name":"b"}',
    errors: ['selection.not-list@networks'],
    message: /text starting with \{/,
  },
  {
    name: 'differs from NADAC (element with an empty name): a,,b is refused',
    value: 'a,,b',
    errors: ['selection.syntax@networks[1]'],
    message: /empty item/,
  },
  { name: 'a trailing comma is refused', value: 'a,b,', errors: ['selection.syntax@networks[2]'] },
  {
    name: 'a lone comma is two empty items',
    value: ',',
    errors: ['selection.syntax@networks[0]', 'selection.syntax@networks[1]'],
  },
  {
    name: 'differs from NADAC (empty name accepted): @eth0 is refused',
    value: '@eth0',
    errors: ['selection.name@networks[0]'],
    message: /network name is empty/,
  },
  {
    name: 'differs from NADAC/Multus (pod namespace): /net1 is refused',
    value: '/net1',
    errors: ['selection.namespace@networks[0]'],
    message: /namespace before "\/" is empty/,
  },
  { name: 'ns/ has no name', value: 'ns/', errors: ['selection.name@networks[0]'] },
  {
    name: 'differs from NADAC/Multus (no interface): a dangling @ is refused',
    value: 'net1@',
    errors: ['selection.interface@networks[0]'],
    message: /after "@" is empty/,
  },
  {
    name: 'more than one "/"',
    value: 'a/b/c',
    errors: ['selection.syntax@networks[0]'],
    message: /more than one "\/"/,
  },
  {
    name: 'more than one "@"',
    value: 'a@b@c',
    errors: ['selection.syntax@networks[0]'],
    message: /more than one "@"/,
  },
  {
    name: 'upper-case network name',
    value: 'Net1',
    errors: ['selection.name@networks[0]'],
    message: /^network name "Net1" must be a DNS-1123 label/,
  },
  { name: 'underscore in a network name', value: 'net_1', errors: ['selection.name@networks[0]'] },
  { name: 'leading hyphen in a name', value: '-net', errors: ['selection.name@networks[0]'] },
  {
    name: 'differs from NADAC/NRI (no length check): a 64-character name is refused',
    value: 'a'.repeat(64),
    errors: ['selection.name@networks[0]'],
    message: /at most 63 characters/,
  },
  {
    name: 'invalid namespace',
    value: 'Default/net1',
    errors: ['selection.namespace@networks[0]'],
    message: /^"Default\/net1": namespace "Default"/,
  },
  {
    name: 'interface longer than 15 bytes',
    value: 'net1@abcdefghijklmnop',
    errors: ['selection.interface@networks[0]'],
    message: /at most 15 bytes/,
  },
  {
    name: 'interface length counts UTF-8 bytes, not characters',
    value: 'net1@éééééééé',
    errors: ['selection.interface@networks[0]'],
    message: /has 16/,
  },
  { name: 'colon in an interface', value: 'net1@a:b', errors: ['selection.interface@networks[0]'] },
  { name: 'interface "."', value: 'net1@.', errors: ['selection.interface@networks[0]'] },
  { name: 'interface ".."', value: 'net1@..', errors: ['selection.interface@networks[0]'] },
  {
    name: 'whitespace inside an interface',
    value: 'net1@a b',
    errors: ['selection.interface@networks[0]'],
  },
  {
    name: 'a "/" after "@" turns the first part into a (bad) namespace',
    value: 'net1@a/b',
    errors: ['selection.namespace@networks[0]'],
  },
  {
    name: 'several bad parts of one item are all reported',
    value: 'Bad_NS/Bad_Name@a:b',
    errors: [
      'selection.namespace@networks[0]',
      'selection.name@networks[0]',
      'selection.interface@networks[0]',
    ],
  },
  {
    name: 'problems in several items are all reported',
    value: 'ok, Bad ,, x@',
    errors: [
      'selection.name@networks[1]',
      'selection.syntax@networks[2]',
      'selection.interface@networks[3]',
    ],
  },
  {
    name: 'implicit net1 clashes with an explicit net1 (Multus names by position)',
    value: 'net-a,net-b@net1',
    errors: ['selection.duplicate-interface@networks[1]'],
    message: /"net1" is already used by networks\[0\] \(pod-ns\/net-a\)/,
  },
  {
    name: 'explicit net2 clashes with the implicit name of the second item',
    value: 'a@net2,b',
    errors: ['selection.duplicate-interface@networks[1]'],
    message: /implicit name/,
  },
  {
    name: 'two explicit identical interfaces',
    value: 'a@eth1,b@eth1',
    errors: ['selection.duplicate-interface@networks[1]'],
  },
  {
    name: 'an invalid interface does not also count as a duplicate',
    value: 'a@bad:x,b@net1',
    errors: ['selection.interface@networks[0]'],
  },
]

const full = {
  name: 'sriov',
  namespace: 'infra',
  interface: 'eth1',
  ips: ['10.1.1.2/24', '2001:db8::2'],
  mac: '02:00:5e:10:00:01',
  'cni-args': { vlan: 100, trust: 'on' },
  portMappings: [
    { hostPort: 8080, containerPort: 80, protocol: 'udp', hostIP: '192.0.2.1' },
    { hostPort: 8443, containerPort: 443 },
  ],
  bandwidth: { ingressRate: 1000, ingressBurst: 2000, egressRate: 3000, egressBurst: 4000 },
  'default-route': ['10.1.1.1'],
  'infiniband-guid': 'c2:11:22:33:44:55:66:77',
  'com.example.team': 'blue',
}

// JSON list form (spec §4.1.2), every v1.3 key.
const jsonCases: Case[] = [
  { name: 'empty list selects nothing', value: '[]', elements: [] },
  {
    name: 'leading blanks before "[" still mean the JSON form',
    value: '  [{"name":"net1"}]',
    elements: [el('net1')],
  },
  {
    name: 'missing namespace is the pod namespace',
    value: json({ name: 'a' }),
    elements: [el('a')],
  },
  {
    name: 'empty namespace is the pod namespace (spec §4.1.2)',
    value: json({ name: 'a', namespace: '' }),
    elements: [el('a')],
  },
  {
    name: 'every v1.3 key at once, protocol upper-cased and defaulted',
    value: json(full),
    elements: [
      {
        name: 'sriov',
        namespace: 'infra',
        interface: 'eth1',
        ips: ['10.1.1.2/24', '2001:db8::2'],
        mac: '02:00:5e:10:00:01',
        'cni-args': { vlan: 100, trust: 'on' },
        portMappings: [
          { hostPort: 8080, containerPort: 80, protocol: 'UDP', hostIP: '192.0.2.1' },
          { hostPort: 8443, containerPort: 443, protocol: 'TCP' },
        ],
        bandwidth: { ingressRate: 1000, ingressBurst: 2000, egressRate: 3000, egressBurst: 4000 },
        'default-route': ['10.1.1.1'],
        'infiniband-guid': 'c2:11:22:33:44:55:66:77',
        extra: { 'com.example.team': 'blue' },
      },
    ],
  },
  {
    name: 'ipam-claim-reference alone',
    value: json({ name: 'a', 'ipam-claim-reference': 'my-claim' }),
    elements: [el('a', { 'ipam-claim-reference': 'my-claim' })],
  },
  {
    name: 'JSON syntax error',
    value: '[{"name":"a",}]',
    errors: ['selection.syntax@networks'],
    message: /invalid JSON/,
  },
  { name: 'text after the list', value: '[{"name":"a"}] x', errors: ['selection.syntax@networks'] },
  {
    name: 'absurdly deep nesting is refused before parsing',
    value: `[{"name":"a","cni-args":{"x":${'['.repeat(100)}${']'.repeat(100)}}}]`,
    errors: ['selection.syntax@networks'],
    message: /nested deeper than 64/,
  },
  {
    name: 'a number element',
    value: '[1]',
    errors: ['selection.element-type@networks[0]'],
    message: /got a number/,
  },
  { name: 'a null element', value: '[null]', errors: ['selection.element-type@networks[0]'] },
  {
    name: 'a string element (names belong in the comma form)',
    value: '["net1"]',
    errors: ['selection.element-type@networks[0]'],
  },
  { name: 'a list element', value: '[[]]', errors: ['selection.element-type@networks[0]'] },
  {
    name: 'differs from NADAC (JSON never checked for a name): name is required',
    value: json({ namespace: 'x' }),
    errors: ['selection.name@networks[0].name'],
    message: /is required/,
  },
  { name: 'empty name', value: json({ name: '' }), errors: ['selection.name@networks[0].name'] },
  {
    name: 'name of the wrong type',
    value: json({ name: 5 }),
    errors: ['selection.name@networks[0].name'],
    message: /must be a string, got a number/,
  },
  {
    name: 'differs from NADAC (JSON never checked against the regex): upper-case name',
    value: json({ name: 'Net1' }),
    errors: ['selection.name@networks[0].name'],
  },
  {
    name: 'namespace/name inside name gets a hint',
    value: json({ name: 'ns/net1' }),
    errors: ['selection.name@networks[0].name'],
    message: /put the namespace in "namespace"/,
  },
  {
    name: 'name@ifname inside name gets a hint',
    value: json({ name: 'net1@eth1' }),
    errors: ['selection.name@networks[0].name'],
    message: /put the interface name in "interface"/,
  },
  {
    name: 'differs from NADAC (Go matches keys case-insensitively): NAME is not name',
    value: json({ NAME: 'net1' }),
    errors: ['selection.name@networks[0].name'],
    warnings: ['selection.unknown-key@networks[0].NAME'],
  },
  {
    name: 'a case variant of a spec key is ignored with a hint',
    value: json({ name: 'a', Interface: 'eth1' }),
    elements: [el('a')],
    warnings: ['selection.unknown-key@networks[0].Interface'],
    message: /did you mean "interface"/,
  },
  {
    name: 'differs from Multus (maps it to interface): interfaceRequest is only warned about',
    value: json({ name: 'a', interfaceRequest: 'eth1' }),
    elements: [el('a')],
    warnings: ['selection.unknown-key@networks[0].interfaceRequest'],
    message: /old Multus key: use "interface"/,
  },
  {
    name: 'an unknown key without a dot is reserved: warn, do not deny',
    value: json({ name: 'a', foo: 'bar' }),
    elements: [el('a')],
    warnings: ['selection.unknown-key@networks[0].foo'],
    message: /reverse-DNS key/,
  },
  {
    name: 'prototype-looking keys are plain unknown keys',
    value: '[{"name":"a","__proto__":{"x":1},"constructor":1}]',
    elements: [el('a')],
    warnings: [
      'selection.unknown-key@networks[0].__proto__',
      'selection.unknown-key@networks[0].constructor',
    ],
  },
  {
    name: 'reverse-DNS keys are kept in extra',
    value: json({ name: 'a', 'org.example.x': { deep: [1] }, 'io.k/y': null }),
    elements: [el('a', { extra: { 'org.example.x': { deep: [1] }, 'io.k/y': null } })],
  },
  {
    name: 'namespace of the wrong type',
    value: json({ name: 'a', namespace: 5 }),
    errors: ['selection.namespace@networks[0].namespace'],
  },
  {
    name: 'invalid namespace',
    value: json({ name: 'a', namespace: 'Bad_NS' }),
    errors: ['selection.namespace@networks[0].namespace'],
  },
  {
    name: 'differs from Multus ("" means none): an empty interface is refused',
    value: json({ name: 'a', interface: '' }),
    errors: ['selection.interface@networks[0].interface'],
  },
  {
    name: 'interface of the wrong type',
    value: json({ name: 'a', interface: 1 }),
    errors: ['selection.interface@networks[0].interface'],
  },
  {
    name: 'interface too long',
    value: json({ name: 'a', interface: 'x'.repeat(16) }),
    errors: ['selection.interface@networks[0].interface'],
  },
  {
    name: 'like every anchor: ips as a string is refused',
    value: json({ name: 'a', ips: '10.1.1.2' }),
    errors: ['selection.ips@networks[0].ips'],
    message: /list of IP addresses, got a string/,
  },
  {
    name: 'ips must not be empty',
    value: json({ name: 'a', ips: [] }),
    errors: ['selection.ips@networks[0].ips'],
  },
  {
    name: 'each bad ip is reported at its index',
    value: json({ name: 'a', ips: ['10.1.1.2/24', 'x', 5, '10.0.0.1/33', 'fe80::1%eth0'] }),
    errors: [
      'selection.ips@networks[0].ips[1]',
      'selection.ips@networks[0].ips[2]',
      'selection.ips@networks[0].ips[3]',
      'selection.ips@networks[0].ips[4]',
    ],
  },
  {
    name: 'IPv6 prefix up to 128',
    value: json({ name: 'a', ips: ['2001:db8::1/64', '2001:db8::1/129'] }),
    errors: ['selection.ips@networks[0].ips[1]'],
    message: /0 to 128/,
  },
  {
    name: 'mac in all three Go notations',
    value: json(
      { name: 'a', mac: '02:00:5e:10:00:01' },
      { name: 'b', mac: '02-00-5E-10-00-01' },
      { name: 'c', mac: '0200.5e10.0001' },
    ),
    elements: [
      el('a', { mac: '02:00:5e:10:00:01' }),
      el('b', { mac: '02-00-5E-10-00-01' }),
      el('c', { mac: '0200.5e10.0001' }),
    ],
  },
  {
    name: 'differs from Multus (ParseMAC takes 8 and 20 bytes): mac must be 6 bytes',
    value: json({ name: 'a', mac: '02:00:5e:10:00:01:02:03' }),
    errors: ['selection.mac@networks[0].mac'],
  },
  {
    name: 'malformed mac and mac of the wrong type',
    value: json({ name: 'a', mac: '02:00:5e:10:00' }, { name: 'b', mac: 2 }),
    errors: ['selection.mac@networks[0].mac', 'selection.mac@networks[1].mac'],
  },
  {
    name: 'cni-args must be an object',
    value: json(
      { name: 'a', 'cni-args': 'x' },
      { name: 'b', 'cni-args': [] },
      { name: 'c', 'cni-args': null },
    ),
    errors: [
      'selection.cni-args@networks[0].cni-args',
      'selection.cni-args@networks[1].cni-args',
      'selection.cni-args@networks[2].cni-args',
    ],
  },
  {
    name: 'portMappings must be a non-empty list of objects',
    value: json(
      { name: 'a', portMappings: [] },
      { name: 'b', portMappings: {} },
      { name: 'c', portMappings: [1] },
    ),
    errors: [
      'selection.port-mappings@networks[0].portMappings',
      'selection.port-mappings@networks[1].portMappings',
      'selection.port-mappings@networks[2].portMappings[0]',
    ],
  },
  {
    name: 'port numbers: required integers from 1 to 65535',
    value: json({
      name: 'a',
      portMappings: [
        { hostPort: 0, containerPort: 65536 },
        { hostPort: '80', containerPort: 80.5 },
        { containerPort: 80 },
      ],
    }),
    errors: [
      'selection.port-mappings@networks[0].portMappings[0].hostPort',
      'selection.port-mappings@networks[0].portMappings[0].containerPort',
      'selection.port-mappings@networks[0].portMappings[1].hostPort',
      'selection.port-mappings@networks[0].portMappings[1].containerPort',
      'selection.port-mappings@networks[0].portMappings[2].hostPort',
    ],
  },
  {
    name: 'protocol is TCP, UDP or SCTP in any case',
    value: json({
      name: 'a',
      portMappings: [
        { hostPort: 1, containerPort: 1, protocol: 'sctp' },
        { hostPort: 2, containerPort: 2, protocol: 'Tcp' },
      ],
    }),
    elements: [
      el('a', {
        portMappings: [
          { hostPort: 1, containerPort: 1, protocol: 'SCTP' },
          { hostPort: 2, containerPort: 2, protocol: 'TCP' },
        ],
      }),
    ],
  },
  {
    name: 'bad protocol and bad hostIP',
    value: json({
      name: 'a',
      portMappings: [{ hostPort: 1, containerPort: 1, protocol: 'icmp', hostIP: '10.0.0.0/8' }],
    }),
    errors: [
      'selection.port-mappings@networks[0].portMappings[0].protocol',
      'selection.port-mappings@networks[0].portMappings[0].hostIP',
    ],
  },
  {
    name: 'protocol of the wrong type',
    value: json({ name: 'a', portMappings: [{ hostPort: 1, containerPort: 1, protocol: 6 }] }),
    errors: ['selection.port-mappings@networks[0].portMappings[0].protocol'],
    message: /got 6$/,
  },
  {
    name: 'a long bad value is shortened in the message',
    value: json({ name: 'a', mac: 'x'.repeat(200) }),
    errors: ['selection.mac@networks[0].mac'],
    message: /^"x{76}\.\.\. must be a 6-byte MAC/,
  },
  {
    name: 'hostIP of the wrong type',
    value: json({ name: 'a', portMappings: [{ hostPort: 1, containerPort: 1, hostIP: 1 }] }),
    errors: ['selection.port-mappings@networks[0].portMappings[0].hostIP'],
  },
  {
    name: 'unknown port-mapping key is warned about and dropped',
    value: json({ name: 'a', portMappings: [{ hostPort: 1, containerPort: 2, name: 'http' }] }),
    elements: [el('a', { portMappings: [{ hostPort: 1, containerPort: 2, protocol: 'TCP' }] })],
    warnings: ['selection.port-mappings@networks[0].portMappings[0].name'],
  },
  {
    name: 'bandwidth values are positive integers',
    value: json({
      name: 'a',
      bandwidth: { ingressRate: 0, egressRate: -1, ingressBurst: 1.5, egressBurst: '10' },
    }),
    errors: [
      'selection.bandwidth@networks[0].bandwidth.ingressRate',
      'selection.bandwidth@networks[0].bandwidth.egressRate',
      'selection.bandwidth@networks[0].bandwidth.ingressBurst',
      'selection.bandwidth@networks[0].bandwidth.egressBurst',
    ],
  },
  {
    name: 'a burst needs its rate',
    value: json({ name: 'a', bandwidth: { egressBurst: 10, ingressRate: 5 } }),
    errors: ['selection.bandwidth@networks[0].bandwidth.egressBurst'],
    message: /needs egressRate/,
  },
  {
    name: 'bandwidth must be an object; unknown bandwidth keys are warned about',
    value: json({ name: 'a', bandwidth: 'fast' }, { name: 'b', bandwidth: { rate: 1 } }),
    errors: ['selection.bandwidth@networks[0].bandwidth'],
    warnings: ['selection.bandwidth@networks[1].bandwidth.rate'],
  },
  {
    name: 'an empty bandwidth object is allowed',
    value: json({ name: 'a', bandwidth: {} }),
    elements: [el('a', { bandwidth: {} })],
  },
  {
    name: 'default-route may be an empty list',
    value: json({ name: 'a', 'default-route': [] }),
    elements: [el('a', { 'default-route': [] })],
  },
  {
    name: 'default-route holds plain gateway IPs',
    value: json(
      { name: 'a', 'default-route': ['10.0.0.0/24', 'gw'] },
      { name: 'b', 'default-route': '10.0.0.1' },
    ),
    errors: [
      'selection.default-route@networks[0].default-route[0]',
      'selection.default-route@networks[0].default-route[1]',
      'selection.default-route@networks[1].default-route',
    ],
  },
  {
    name: 'only one element may carry default-route',
    value: json(
      { name: 'a', 'default-route': [] },
      { name: 'b' },
      { name: 'c', 'default-route': ['10.0.0.1'] },
    ),
    errors: ['selection.default-route@networks[2].default-route'],
    message: /networks\[0\] already does/,
  },
  {
    name: 'differs from Multus (ParseMAC takes 6 bytes): infiniband-guid must be 8 bytes',
    value: json(
      { name: 'a', 'infiniband-guid': '02:00:5e:10:00:01' },
      { name: 'b', 'infiniband-guid': 8 },
    ),
    errors: [
      'selection.infiniband-guid@networks[0].infiniband-guid',
      'selection.infiniband-guid@networks[1].infiniband-guid',
    ],
  },
  {
    name: 'ipam-claim-reference together with ips is refused',
    value: json({ name: 'a', ips: ['10.0.0.2'], 'ipam-claim-reference': 'c1' }),
    errors: ['selection.ipam-claim-reference@networks[0].ipam-claim-reference'],
    message: /cannot be combined with "ips"/,
  },
  {
    name: 'ipam-claim-reference must name an object',
    value: json(
      { name: 'a', 'ipam-claim-reference': '' },
      { name: 'b', 'ipam-claim-reference': 'Bad' },
      { name: 'c', 'ipam-claim-reference': 1 },
    ),
    errors: [
      'selection.ipam-claim-reference@networks[0].ipam-claim-reference',
      'selection.ipam-claim-reference@networks[1].ipam-claim-reference',
      'selection.ipam-claim-reference@networks[2].ipam-claim-reference',
    ],
  },
  {
    name: 'explicit interface clashing with a later implicit name (JSON path names the key)',
    value: json({ name: 'a', interface: 'net2' }, { name: 'b' }),
    errors: ['selection.duplicate-interface@networks[1]'],
  },
  {
    name: 'explicit duplicate in the JSON form points at the interface key',
    value: json({ name: 'a', interface: 'eth1' }, { name: 'b', interface: 'eth1' }),
    errors: ['selection.duplicate-interface@networks[1].interface'],
  },
  {
    name: 'an invalid interface does not also count as a duplicate (JSON)',
    value: json({ name: 'a', interface: 'bad:x' }, { name: 'b', interface: 'net1' }),
    errors: ['selection.interface@networks[0].interface'],
  },
  {
    name: 'every problem of every element is collected',
    value: json({ name: 'A', ips: ['x'], mac: 'y' }, 7, { name: 'b', portMappings: [{}] }),
    errors: [
      'selection.name@networks[0].name',
      'selection.ips@networks[0].ips[0]',
      'selection.mac@networks[0].mac',
      'selection.element-type@networks[1]',
      'selection.port-mappings@networks[2].portMappings[0].hostPort',
      'selection.port-mappings@networks[2].portMappings[0].containerPort',
    ],
  },
]

function runCases(group: string, cases: readonly Case[]): void {
  t.test(group, async (t) => {
    for (const c of cases) {
      t.test(c.name, async (t) => {
        const { elements, findings } = parseSelections(c.value, NS)
        const got = summary(findings)
        t.same(got.errors, c.errors ?? [], 'errors')
        t.same(got.warnings, c.warnings ?? [], 'warnings')
        if (c.elements) t.same(elements, c.elements, 'elements')
        else t.same(elements, [], 'no elements when there are errors')
        if (c.message) t.match(findings[0]?.message, c.message)
        t.ok(humane(findings), 'messages are plain language')
      })
    }
  })
}

runCases('comma form', commaCases)
runCases('JSON form', jsonCases)

interface DefaultCase {
  readonly name: string
  readonly value: string
  readonly element?: SelectionElement
  readonly errors?: string[]
}

const defaultCases: DefaultCase[] = [
  { name: 'a bare name', value: 'ovn', element: el('ovn') },
  {
    name: 'namespace and interface',
    value: 'kube-system/ovn@eth9',
    element: el('ovn', { namespace: 'kube-system', interface: 'eth9' }),
  },
  {
    name: 'JSON list of one',
    value: json({ name: 'ovn', ips: ['10.0.0.5'] }),
    element: el('ovn', { ips: ['10.0.0.5'] }),
  },
  {
    name: 'two networks',
    value: 'a,b',
    errors: ['selection.default-network@default-network'],
  },
  { name: 'an empty list', value: '[]', errors: ['selection.default-network@default-network'] },
  { name: 'a blank value', value: ' ', errors: ['selection.default-network@default-network'] },
  { name: 'empty name', value: '@x', errors: ['selection.name@default-network[0]'] },
  {
    name: 'element checks use the default-network prefix',
    value: json({ name: 'a', ips: ['x'] }),
    errors: ['selection.ips@default-network[0].ips[0]'],
  },
  { name: 'null', value: 'null', errors: ['selection.not-list@default-network'] },
]

t.test('default network', async (t) => {
  for (const c of defaultCases) {
    t.test(c.name, async (t) => {
      const r = parseDefaultNetwork(c.value, NS)
      t.same(summary(r.findings).errors, c.errors ?? [])
      t.same(r.element, c.element)
      t.ok(humane(r.findings))
    })
  }
})

t.test('formatSelections', async (t) => {
  t.test('canonical key order, namespace filled, extra keys sorted last', async (t) => {
    const { elements } = parseSelections(
      json({
        'org.z': 1,
        bandwidth: { egressRate: 2, ingressRate: 1 },
        portMappings: [{ protocol: 'udp', containerPort: 2, hostPort: 1 }],
        interface: 'eth1',
        name: 'a',
        'com.a': true,
      }),
      NS,
    )
    t.equal(
      formatSelections(elements),
      '[{"name":"a","namespace":"pod-ns","interface":"eth1",' +
        '"portMappings":[{"hostPort":1,"containerPort":2,"protocol":"UDP"}],' +
        '"bandwidth":{"ingressRate":1,"egressRate":2},"com.a":true,"org.z":1}]',
    )
  })
  t.test('the comma form comes back as JSON that parses to the same elements', async (t) => {
    const first = parseSelections('a, other/b@eth1, a', NS)
    const text = formatSelections(first.elements)
    t.equal(
      text,
      '[{"name":"a","namespace":"pod-ns"},{"name":"b","namespace":"other","interface":"eth1"},{"name":"a","namespace":"pod-ns"}]',
    )
    const again = parseSelections(text, 'elsewhere')
    t.same(again.elements, first.elements)
    t.same(again.findings, [])
  })
  t.test('every key survives a round trip', async (t) => {
    const first = parseSelections(json(full), NS)
    const again = parseSelections(formatSelections(first.elements), NS)
    t.same(again.elements, first.elements)
    t.same(again.findings, [])
  })
  t.test('nothing selected is an empty list', async (t) => {
    t.equal(formatSelections([]), '[]')
  })
})

// Issue 11 #5 and #6: bounded input, bounded echo.
t.test('limits', async (t) => {
  t.test('64 selections are allowed, 65 refused before any element is read', async (t) => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `n${i}`)
    t.equal(parseSelections(names(64).join(','), NS).elements.length, 64)
    t.equal(parseSelections(json(...names(64).map((name) => ({ name }))), NS).elements.length, 64)
    for (const value of [names(65).join(','), json(...names(65).map((name) => ({ name })))]) {
      const { elements, findings } = parseSelections(value, NS)
      t.same(elements, [])
      t.same(summary(findings).errors, ['selection.limit@networks'])
      t.match(findings[0]!.message, /selects 65 networks; at most 64 are allowed per pod/)
    }
    // 130k entries: one finding, not 130k (the comma form is counted, not split).
    const { findings } = parseSelections(',a'.repeat(130_000), NS)
    t.equal(findings.length, 1)
    t.match(findings[0]!.message, /selects 130001 networks/)
  })

  t.test('an annotation over 256 KiB is refused unread', async (t) => {
    const value = `a${' '.repeat(256 * 1024)}`
    const { findings } = parseSelections(value, NS)
    t.same(summary(findings).errors, ['selection.limit@networks'])
    t.match(findings[0]!.message, /is 262145 bytes long; at most 262144 are read/)
    t.equal(parseSelections(`a${' '.repeat(256 * 1024 - 1)}`, NS).elements.length, 1)
  })

  t.test('a long name, item or key is quoted cut, not whole', async (t) => {
    const long = 'x'.repeat(200_000)
    const values = [
      long,
      `${long}/a`,
      `a@${long}`,
      json({ name: long }),
      json({ name: 'a', [long]: 1 }),
      json({ name: 'a', [`org.${long}`]: 1, interface: 'eth0/' }),
    ]
    for (const value of values) {
      const { findings } = parseSelections(value, NS)
      t.ok(findings.length > 0, value.slice(0, 20))
      for (const f of findings) {
        t.ok(f.message.length + f.path.length < 600, `${f.rule}: ${f.message.slice(0, 60)}`)
        t.notOk(`${f.path} ${f.message}`.includes('x'.repeat(100)), 'the value is cut')
      }
    }
  })
})
