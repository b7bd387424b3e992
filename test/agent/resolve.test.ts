import t from 'tap'
import {
  injectIntoPlugins,
  resolveNetwork,
  type NadObject,
  type NetworkSources,
} from '../../src/agent/resolve.js'
import { ANNOTATIONS, type SelectionElement } from '../../src/spec/types.js'

function sources(nads: NadObject[], extra: Partial<NetworkSources> = {}): NetworkSources {
  return {
    getNad: async (ns, name) => nads.find((n) => n.namespace === ns && n.name === name),
    onDiskConfig: async () => undefined,
    deviceIds: async () => [],
    physicalNetworks: {},
    ...extra,
  }
}

const ctx = () => ({
  podNamespace: 'ns',
  podName: 'p',
  path: 'networks[0]',
  deviceCursor: new Map(),
})
const el = (name: string, extra: Partial<SelectionElement> = {}): SelectionElement => ({
  name,
  namespace: 'ns',
  ...extra,
})
const macvlan = JSON.stringify({ cniVersion: '1.0.0', type: 'macvlan', ipam: { type: 'static' } })

t.test('spec.config with the name filled in and cni-args under args.cni', async (t) => {
  const r = await resolveNetwork(
    el('data', { 'cni-args': { foo: 'bar' } }),
    sources([{ namespace: 'ns', name: 'data', annotations: {}, config: macvlan }]),
    ctx(),
  )
  t.same(r.config, {
    cniVersion: '1.0.0',
    type: 'macvlan',
    ipam: { type: 'static' },
    name: 'data',
    args: { cni: { foo: 'bar' } },
  })
  t.equal(r.deviceId, undefined)
})

t.test(
  'missing NAD, spec-less NAD with and without an on-disk config, invalid config',
  async (t) => {
    await t.rejects(resolveNetwork(el('gone'), sources([]), ctx()), {
      code: 102,
      message: 'networks[0] (ns/gone): NetworkAttachmentDefinition ns/gone not found',
    })
    const specless = sources([{ namespace: 'ns', name: 'disk', annotations: {}, config: '' }])
    await t.rejects(resolveNetwork(el('disk'), specless, ctx()), {
      code: 102,
      message: /no on-disk config has CNI name "disk"/,
    })
    const disk = { cniVersion: '0.3.1', name: 'disk', type: 'bridge' }
    const found = await resolveNetwork(
      el('disk'),
      { ...specless, onDiskConfig: async (name) => (name === 'disk' ? disk : undefined) },
      ctx(),
    )
    t.same(found.config, disk)
    await t.rejects(
      resolveNetwork(
        el('bad'),
        sources([{ namespace: 'ns', name: 'bad', annotations: {}, config: '{"plugins":[]}' }]),
        ctx(),
      ),
      {
        code: 7,
        message: /networks\[0\] \(ns\/bad\): spec.config is not a usable CNI config: spec.config/,
      },
    )
  },
)

t.test(
  'a physical network becomes master of the first plugin; a missing one is an error',
  async (t) => {
    const list = JSON.stringify({
      cniVersion: '1.0.0',
      plugins: [{ type: 'macvlan' }, { type: 'tuning', args: { cni: { a: 1 } } }],
    })
    const nad = {
      namespace: 'ns',
      name: 'phys',
      annotations: { [ANNOTATIONS.physicalNetwork]: 'phy-data' },
      config: list,
    }
    const r = await resolveNetwork(
      el('phys', { 'cni-args': { b: 2 } }),
      sources([nad], { physicalNetworks: { 'phy-data': 'eth1' } }),
      ctx(),
    )
    t.same(r.config.plugins, [
      { type: 'macvlan', master: 'eth1', args: { cni: { b: 2 } } },
      { type: 'tuning', args: { cni: { a: 1, b: 2 } } },
    ])
    await t.rejects(
      resolveNetwork(el('phys'), sources([nad], { physicalNetworks: { other: 'eth2' } }), ctx()),
      {
        code: 102,
        message:
          /rides on physical network "phy-data", which this node does not have \(--physical-networks names \["other"\]\)/,
      },
    )
  },
)

t.test('device IDs are handed out in order per resource', async (t) => {
  const nad = (name: string) => ({
    namespace: 'ns',
    name,
    annotations: { [ANNOTATIONS.resourceName]: 'intel.com/sriov' },
    config: macvlan,
  })
  const asked: string[] = []
  const src = sources([nad('a'), nad('b')], {
    deviceIds: async (ns, pod, resource) => {
      asked.push(`${ns}/${pod} ${resource}`)
      return ['0000:03:00.1', '0000:03:00.2']
    },
  })
  const c = ctx()
  const first = await resolveNetwork(el('a'), src, c)
  const second = await resolveNetwork(el('b'), src, c)
  t.equal(first.deviceId, '0000:03:00.1')
  t.equal(second.deviceId, '0000:03:00.2')
  t.match(second.config, { deviceID: '0000:03:00.2', pciBusID: '0000:03:00.2' })
  t.same(asked, ['ns/p intel.com/sriov', 'ns/p intel.com/sriov'])
  await t.rejects(resolveNetwork(el('a'), src, c), {
    code: 102,
    message:
      /needs a device of resource intel.com\/sriov, but the kubelet allocated 2 to this pod and 2 are taken/,
  })
})

t.test('source failures are unresolved-network errors naming the selection', async (t) => {
  const failing = sources([], {
    getNad: async () => {
      throw new Error('HTTP 503: down')
    },
  })
  await t.rejects(resolveNetwork(el('x'), failing, ctx()), {
    code: 102,
    message: 'networks[0] (ns/x): cannot read the NetworkAttachmentDefinition: HTTP 503: down',
  })
  const nad = {
    namespace: 'ns',
    name: 'd',
    annotations: { [ANNOTATIONS.resourceName]: 'r/x' },
    config: macvlan,
  }
  const noKubelet = sources([nad], {
    deviceIds: async () => {
      throw new Error('ENOENT')
    },
  })
  await t.rejects(resolveNetwork(el('d'), noKubelet, ctx()), {
    code: 102,
    message: "networks[0] (ns/d): cannot get the pod's r/x devices: ENOENT",
  })
})

t.test('injectIntoPlugins keeps other keys and tolerates odd plugin entries', async (t) => {
  t.same(injectIntoPlugins({ type: 'x', args: 'odd' }, { k: 1 }, { a: 1 }), {
    type: 'x',
    args: { cni: { a: 1 } },
    k: 1,
  })
  t.same(injectIntoPlugins({ plugins: [null, { type: 'y' }] }, {}, undefined), {
    plugins: [{}, { type: 'y' }],
  })
})
