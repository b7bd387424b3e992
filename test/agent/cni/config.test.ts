import t, { type Test } from 'tap'
import { configVersions, parseNetworkConfig } from '../../../src/agent/cni/config.js'
import { MultinetError } from '../../../src/errors.js'

function refused(t: Test, input: unknown, path: string, why: RegExp | string, name?: string) {
  let err: unknown
  try {
    parseNetworkConfig(input, name === undefined ? {} : { name })
  } catch (e) {
    err = e
  }
  t.type(err, MultinetError, `${path} refused`)
  const e = err as MultinetError
  t.equal(e.code, 'MN_ERR_CNI_CONFIG')
  t.same(e.details, { path })
  t.match(e.message, why)
  t.ok(e.message.startsWith(`invalid CNI network configuration: ${path}: `), e.message)
}

t.test('a single-plugin conf becomes a list of one', async (t) => {
  const raw = { cniVersion: '0.4.0', name: 'br', type: 'bridge', ipam: { type: 'host-local' } }
  const list = parseNetworkConfig(JSON.stringify(raw))
  t.equal(list.name, 'br')
  t.equal(list.cniVersion, '0.4.0')
  t.equal(list.single, true)
  t.equal(list.disableCheck, false)
  t.equal(list.disableGC, false)
  t.same(list.plugins, [raw])
  t.same(list.raw, raw)
  t.ok(Object.isFrozen(list))
})

t.test('a conflist: flags, plugins, the highest supported version', async (t) => {
  const list = parseNetworkConfig({
    cniVersion: '0.3.1',
    cniVersions: ['1.0.0', '2.0.0', '0.4.0', '1.1.0'],
    name: 'chain',
    disableCheck: 'true',
    disableGC: true,
    plugins: [{ type: 'macvlan', capabilities: { ips: true } }, { type: 'tuning' }],
  })
  t.equal(list.cniVersion, '1.1.0', 'highest we support; 2.0.0 ignored')
  t.equal(list.single, false)
  t.equal(list.disableCheck, true)
  t.equal(list.disableGC, true)
  t.same(
    list.plugins.map((p) => p.type),
    ['macvlan', 'tuning'],
  )
  t.same(configVersions(list), ['1.1.0', '1.0.0', '0.4.0', '0.3.1'])
  const dup = parseNetworkConfig({
    cniVersion: '1.0.0',
    cniVersions: ['1.0.0'],
    name: 'd',
    type: 'x',
  })
  t.same(configVersions(dup), ['1.0.0'])
  t.equal(
    parseNetworkConfig({ cniVersion: '1.0.0', disableGC: 'false', type: 'x', name: 'n' }).disableGC,
    false,
  )
})

t.test('the name comes from the caller when the config has none', async (t) => {
  t.equal(
    parseNetworkConfig({ cniVersion: '1.0.0', type: 'bridge' }, { name: 'nad-a' }).name,
    'nad-a',
  )
  t.equal(
    parseNetworkConfig({ cniVersion: '1.0.0', type: 'bridge', name: 'own' }, { name: 'nad-a' })
      .name,
    'own',
  )
})

t.test('bad configs: what, where, why', async (t) => {
  const ok = { cniVersion: '1.0.0', name: 'n', type: 'bridge' }
  refused(t, '{"cniVersion":', '$', /not valid JSON/)
  refused(t, [], '$', 'expected a JSON object, got an array')
  refused(t, null, '$', 'got null')
  refused(t, { ...ok, name: undefined }, '$.name', 'required')
  refused(t, { ...ok, name: '-x' }, '$.name', 'got string "-x"')
  refused(t, { ...ok, name: 5 }, '$.name', 'got number 5')
  refused(t, { ...ok, cniVersion: undefined }, '$.cniVersion', 'required (one of 0.3.0, 0.3.1')
  refused(t, { ...ok, cniVersion: 'one' }, '$.cniVersion', 'expected a version like "1.0.0"')
  refused(t, { ...ok, cniVersion: '0.2.0' }, '$.cniVersion', 'CNI version 0.2.0 not supported')
  refused(t, { ...ok, cniVersions: '1.0.0' }, '$.cniVersions', 'expected an array, got string')
  refused(t, { ...ok, cniVersions: ['1.0.0', 1] }, '$.cniVersions[1]', 'got number 1')
  refused(
    t,
    { ...ok, cniVersion: undefined, cniVersions: ['0.1.0', '9.9.9'] },
    '$.cniVersions',
    'CNI version 0.1.0, 9.9.9 not supported',
  )
  refused(t, { ...ok, disableCheck: 1 }, '$.disableCheck', 'expected a boolean, got number 1')
  refused(t, { ...ok, type: undefined }, '$.type', 'required')
  refused(t, { ...ok, type: '../../bin/sh' }, '$.type', 'expected a plugin binary name')
  refused(t, { ...ok, capabilities: [] }, '$.capabilities', 'expected an object, got an array')
  refused(t, { ...ok, capabilities: { mac: 'yes' } }, '$.capabilities.mac', 'expected a boolean')
  const list = { cniVersion: '1.0.0', name: 'l' }
  refused(t, { ...list, plugins: [] }, '$.plugins', 'expected a non-empty array, got an array')
  refused(t, { ...list, plugins: {} }, '$.plugins', 'expected a non-empty array, got object {}')
  refused(t, { ...list, plugins: [{ type: 'a' }, 'b'] }, '$.plugins[1]', 'got string "b"')
  refused(t, { ...list, plugins: [{ type: 'a' }, { typo: 'b' }] }, '$.plugins[1].type', 'required')
})
