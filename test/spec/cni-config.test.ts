import t from 'tap'
import { cniTypesOf, validateCniConfig } from '../../src/spec/cni-config.js'
import { humane, summary } from '../fixtures/spec/findings.js'

const NAD = 'mynet'
const S = 'nad.config-schema'
const J = 'nad.config-json'

interface Case {
  readonly name: string
  readonly config: string | Record<string, unknown>
  readonly errors?: string[]
  readonly warnings?: string[]
  readonly message?: RegExp
}

const bridge = { cniVersion: '1.0.0', type: 'bridge', bridge: 'br0', ipam: { type: 'host-local' } }

const cases: Case[] = [
  { name: 'single config with a name equal to the NAD', config: { ...bridge, name: NAD } },
  {
    name: 'thick-plugin example (spec §3.2.3): single config without a name',
    config: { cniVersion: '0.3.1', type: 'macvlan', master: 'eth1', mode: 'bridge' },
  },
  {
    name: 'differs from NADAC (denied): a conflist without a name is allowed (spec §3.4.2)',
    config: { cniVersion: '1.0.0', plugins: [bridge, { type: 'tuning', sysctl: {} }] },
  },
  {
    name: 'conflist with every typed field',
    config: {
      name: NAD,
      cniVersion: '1.1.0',
      cniVersions: ['1.0.0', '1.1.0'],
      disableCheck: true,
      disableGC: false,
      loadOnlyInlinedPlugins: true,
      plugins: [
        {
          type: 'bridge',
          name: 'inner',
          cniVersion: '1.1.0',
          capabilities: { ips: true, mac: false },
          ipam: { type: 'static', addresses: [] },
          dns: { nameservers: ['10.0.0.10'], domain: 'x', search: ['a'], options: ['ndots:2'] },
          args: { cni: { x: 1 } },
          prevResult: {},
        },
      ],
    },
  },
  {
    name: 'a CNI name other than the NAD name is a warning',
    config: { ...bridge, name: 'other' },
    warnings: ['nad.config-name@spec.config.name'],
    message: /differs from the NAD name "mynet"/,
  },
  {
    name: 'an empty CNI name is refused with a hint',
    config: { ...bridge, name: '' },
    errors: [`${S}@spec.config.name`],
    message: /leave "name" out/,
  },
  {
    name: 'a CNI name libcni would refuse at ADD',
    config: { ...bridge, name: 'my net!' },
    errors: [`${S}@spec.config.name`],
  },
  {
    name: 'name of the wrong type',
    config: { ...bridge, name: 5 },
    errors: [`${S}@spec.config.name`],
    message: /must be a string, got a number/,
  },
  {
    name: 'differs from NADAC (allowed through the list path): {"name":"x","type":""}',
    config: { name: 'x', type: '' },
    errors: [`${S}@spec.config.type`],
    warnings: ['nad.config-name@spec.config.name'],
    message: /must not be empty/,
  },
  {
    name: 'differs from NADAC (allowed through the list path): ipam "oops"',
    config: { name: NAD, type: 'bridge', ipam: 'oops' },
    errors: [`${S}@spec.config.ipam`],
    message: /must be an object, got a string/,
  },
  {
    name: 'differs from NADAC (allowed): a conflist plugin with an empty type',
    config: { type: 'x', plugins: [{ type: '' }] },
    errors: [`${S}@spec.config.plugins[0].type`],
  },
  {
    name: 'differs from NADAC (webhook panicked): plugins that is not a list',
    config: { plugins: 'bridge' },
    errors: [`${S}@spec.config.plugins`],
    message: /must be a list, got a string/,
  },
  {
    name: 'differs from NADAC (webhook panicked): a plugin that is not an object',
    config: { plugins: [{ type: 'bridge' }, 1, null] },
    errors: [`${S}@spec.config.plugins[1]`, `${S}@spec.config.plugins[2]`],
  },
  {
    name: 'an empty plugin list',
    config: { plugins: [] },
    errors: [`${S}@spec.config.plugins`],
    message: /at least one plugin/,
  },
  {
    name: 'a plugin without a type',
    config: { plugins: [{ type: 'bridge' }, {}] },
    errors: [`${S}@spec.config.plugins[1].type`],
    message: /is required: the CNI plugin to run/,
  },
  {
    name: 'plugin type of the wrong type',
    config: { plugins: [{ type: 5 }] },
    errors: [`${S}@spec.config.plugins[0].type`],
  },
  {
    name: 'a single config without a type',
    config: {},
    errors: [`${S}@spec.config.type`],
  },
  { name: 'type null', config: { type: null }, errors: [`${S}@spec.config.type`] },
  {
    name: 'differs from NADAC (passes its JSON-object check): null',
    config: 'null',
    errors: [`${J}@spec.config`],
    message: /must be a JSON object .* got null/,
  },
  { name: 'a JSON list', config: '[{"type":"bridge"}]', errors: [`${J}@spec.config`] },
  { name: 'a JSON string', config: '"bridge"', errors: [`${J}@spec.config`] },
  { name: 'empty text', config: '', errors: [`${J}@spec.config`] },
  { name: 'not JSON at all', config: 'type: bridge', errors: [`${J}@spec.config`] },
  { name: 'trailing comma', config: '{"type":"bridge",}', errors: [`${J}@spec.config`] },
  { name: 'trailing garbage', config: '{"type":"bridge"} x', errors: [`${J}@spec.config`] },
  {
    name: 'absurd nesting',
    config: `{"type":"b","x":${'['.repeat(70)}${']'.repeat(70)}}`,
    errors: [`${J}@spec.config`],
    message: /nested deeper/,
  },
  {
    name: 'unknown CNI version',
    config: { ...bridge, cniVersion: '2.0.0' },
    errors: [`${S}@spec.config.cniVersion`],
    message: /must be a CNI version \(0\.1\.0, .*1\.1\.0\), got "2\.0\.0"/,
  },
  {
    name: 'a version of the wrong type is reported once',
    config: { ...bridge, cniVersion: 1 },
    errors: [`${S}@spec.config.cniVersion`],
    message: /must be a string, got a number/,
  },
  {
    name: 'cniVersions must be a list of known versions',
    config: { plugins: [bridge], cniVersions: '1.0.0' },
    errors: [`${S}@spec.config.cniVersions`],
  },
  {
    name: 'an unknown version inside cniVersions',
    config: { plugins: [bridge], cniVersions: ['1.0.0', '9.9.9'] },
    errors: [`${S}@spec.config.cniVersions[1]`],
  },
  {
    name: 'differs from NADAC (forgiven by its fallback): disableCheck "maybe" in a conflist',
    config: { plugins: [bridge], disableCheck: 'maybe' },
    errors: [`${S}@spec.config.disableCheck`],
    message: /must be true or false, got "maybe"/,
  },
  {
    name: 'libcni reads the strings "true"/"false": warn, do not deny',
    config: { plugins: [bridge], disableCheck: 'TRUE', disableGC: 'false' },
    warnings: [`${S}@spec.config.disableCheck`, `${S}@spec.config.disableGC`],
    message: /libcni accepts it, but write the JSON boolean true/,
  },
  {
    name: 'libcni booleans of the wrong type',
    config: { plugins: [bridge], disableGC: 1, loadOnlyInlinedPlugins: {} },
    errors: [`${S}@spec.config.disableGC`, `${S}@spec.config.loadOnlyInlinedPlugins`],
    message: /must be true or false, got a number/,
  },
  {
    name: 'capabilities map to booleans',
    config: { ...bridge, capabilities: { ips: 'yes', 'cni.dev/x': 1 } },
    errors: [`${S}@spec.config.capabilities.ips`, `${S}@spec.config.capabilities["cni.dev/x"]`],
  },
  {
    name: 'capabilities must be an object',
    config: { ...bridge, capabilities: ['ips'] },
    errors: [`${S}@spec.config.capabilities`],
    message: /got a list/,
  },
  {
    name: 'dns fields are typed',
    config: { ...bridge, dns: { nameservers: '10.0.0.10', domain: 1, search: [1], options: 'x' } },
    errors: [
      `${S}@spec.config.dns.nameservers`,
      `${S}@spec.config.dns.domain`,
      `${S}@spec.config.dns.search[0]`,
      `${S}@spec.config.dns.options`,
    ],
  },
  {
    name: 'args, prevResult and ipam.type are typed',
    config: { ...bridge, args: 'x', prevResult: [], ipam: { type: 1 } },
    errors: [`${S}@spec.config.ipam.type`, `${S}@spec.config.args`, `${S}@spec.config.prevResult`],
  },
  {
    name: 'plugin fields inside a conflist carry the plugin index',
    config: { plugins: [bridge, { type: 'tuning', ipam: 'x', capabilities: { mac: 'y' } }] },
    errors: [`${S}@spec.config.plugins[1].capabilities.mac`, `${S}@spec.config.plugins[1].ipam`],
  },
  {
    name: 'every problem is collected',
    config: { name: 'bad name', cniVersion: '7', plugins: [{}, { type: '' }], disableGC: 'no' },
    errors: [
      `${S}@spec.config.cniVersion`,
      `${S}@spec.config.plugins[0].type`,
      `${S}@spec.config.plugins[1].type`,
      `${S}@spec.config.disableGC`,
      `${S}@spec.config.name`,
    ],
  },
]

for (const c of cases) {
  t.test(c.name, async (t) => {
    const text = typeof c.config === 'string' ? c.config : JSON.stringify(c.config)
    const { config, findings } = validateCniConfig(text, NAD)
    const got = summary(findings)
    t.same(got.errors, c.errors ?? [], 'errors')
    t.same(got.warnings, c.warnings ?? [], 'warnings')
    if (got.errors.length === 0) t.type(config, 'object')
    else t.equal(config, undefined)
    if (c.message) t.match(findings[0]?.message, c.message)
    t.ok(humane(findings), 'messages are plain language')
  })
}

t.test('the name is inferred from the NAD when omitted, kept when given', async (t) => {
  t.same(validateCniConfig('{"plugins":[{"type":"bridge"}]}', 'blue').config, {
    plugins: [{ type: 'bridge' }],
    name: 'blue',
  })
  t.same(validateCniConfig('{"name":"red","type":"bridge"}', 'blue').config, {
    name: 'red',
    type: 'bridge',
  })
})

t.test('a custom base path prefixes every finding', async (t) => {
  const { findings } = validateCniConfig('{"plugins":[{}]}', 'x', 'conf')
  t.same(summary(findings).errors, [`${S}@conf.plugins[0].type`])
})

t.test('cniTypesOf lists plugin types and tolerates anything', async (t) => {
  t.same(cniTypesOf({ type: 'macvlan' }), ['macvlan'])
  t.same(cniTypesOf({ plugins: [{ type: 'bridge' }, { type: 5 }, 'x', { type: 'tuning' }] }), [
    'bridge',
    'tuning',
  ])
  t.same(cniTypesOf({ plugins: 'x' }), [])
  t.same(cniTypesOf({ type: 5 }), [])
  t.same(cniTypesOf(null), [])
  t.same(cniTypesOf([]), [])
})

// Found by the fuzz suite: 20,000 plugins made 20,000 findings (3.4 MB) in 300 ms, and a long
// name came back whole.
t.test('limits: at most 32 plugins; long values are quoted cut', async (t) => {
  const list = (n: number) =>
    JSON.stringify({
      cniVersion: '1.0.0',
      name: 'n',
      plugins: Array.from({ length: n }, () => ({ type: 'bridge' })),
    })
  t.same(validateCniConfig(list(32), 'n').findings, [])
  const many = validateCniConfig(
    JSON.stringify({ cniVersion: '1.0.0', name: 'n', plugins: Array(20_000).fill({}) }),
    'n',
  )
  t.match(many.findings, [
    {
      rule: 'nad.config-schema',
      path: 'spec.config.plugins',
      message: 'lists 20000 plugin configs; at most 32 are allowed',
    },
  ])
  t.equal(many.findings.length, 1)
  for (const config of [
    { cniVersion: '1.0.0', name: 'x'.repeat(100_000), type: 'bridge' },
    { cniVersion: 'x'.repeat(100_000), name: 'n', type: 'bridge' },
    {
      cniVersion: '1.0.0',
      name: 'n',
      plugins: [{ type: 'bridge' }],
      disableCheck: 'x'.repeat(100_000),
    },
  ]) {
    const { findings } = validateCniConfig(JSON.stringify(config), 'y'.repeat(100_000))
    t.ok(findings.length > 0)
    for (const f of findings)
      t.ok(f.message.length < 400, `${f.message.length}: ${f.message.slice(0, 50)}`)
  }
})
