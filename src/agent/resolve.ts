/**
 * From a pod's selections to configs that can run: each NAD looked up with its full
 * `spec.config` (or, without one, the on-disk config of the same CNI name, spec §3.2.4), then
 * the node's decisions written into the config: the physical network's NIC as `master`, the
 * device the kubelet allocated as `deviceID`, the selection's `cni-args` under `args.cni`.
 * Every failure names the selection and the NAD.
 */
import { messageOf } from '../errors.js'
import { validateCniConfig } from '../spec/cni-config.js'
import { errorsOf } from '../spec/finding.js'
import { isObject } from '../spec/object.js'
import { ANNOTATIONS, type SelectionElement } from '../spec/types.js'
import { CniError } from './cni-error.js'
import type { ResolvedNetwork } from './plan.js'
import { CNI_ERROR_CODES } from './protocol.js'

/** A NAD as the agent needs it: annotations and the raw `spec.config` ('' when absent). */
export interface NadObject {
  readonly namespace: string
  readonly name: string
  readonly annotations: Readonly<Record<string, string>>
  readonly config: string
}

export interface NetworkSources {
  getNad(namespace: string, name: string): Promise<NadObject | undefined>
  /** The on-disk config whose CNI `name` is `name`, parsed; undefined when there is none. */
  onDiskConfig(name: string): Promise<Record<string, unknown> | undefined>
  /** Device IDs the kubelet allocated to the pod for an extended resource (sorted). */
  deviceIds(podNamespace: string, podName: string, resourceName: string): Promise<string[]>
  /** Physical network name -> this node's NIC. */
  readonly physicalNetworks: Readonly<Record<string, string>>
}

export interface ResolveContext {
  readonly podNamespace: string
  readonly podName: string
  /** Where the element came from, for messages: `networks[2]`, `default-network`. */
  readonly path: string
  /** Next unused device index per resource name (several NADs may share one resource). */
  readonly deviceCursor: Map<string, number>
}

export async function resolveNetwork(
  el: SelectionElement,
  sources: NetworkSources,
  ctx: ResolveContext,
): Promise<ResolvedNetwork> {
  const ref = `${ctx.path} (${el.namespace}/${el.name})`
  const unresolved = (why: string): CniError =>
    new CniError(CNI_ERROR_CODES.networkUnresolved, `${ref}: ${why}`)
  const nad = await sources.getNad(el.namespace, el.name).catch((err: unknown) => {
    throw unresolved(`cannot read the NetworkAttachmentDefinition: ${messageOf(err)}`)
  })
  if (nad === undefined) {
    throw unresolved(`NetworkAttachmentDefinition ${el.namespace}/${el.name} not found`)
  }
  let config: Record<string, unknown>
  if (nad.config.trim() === '') {
    const disk = await sources.onDiskConfig(el.name)
    if (disk === undefined) {
      throw unresolved(
        `the NAD has no spec.config and no on-disk config has CNI name ${JSON.stringify(el.name)}`,
      )
    }
    config = disk
  } else {
    const checked = validateCniConfig(nad.config, nad.name)
    const errors = errorsOf(checked.findings)
    if (errors.length > 0 || checked.config === undefined) {
      throw new CniError(
        CNI_ERROR_CODES.invalidConfig,
        `${ref}: spec.config is not a usable CNI config: ${errors.map((f) => `${f.path}: ${f.message}`).join('; ')}`,
      )
    }
    config = checked.config
  }
  const inject: Record<string, unknown> = {}
  const physnet = nad.annotations[ANNOTATIONS.physicalNetwork]
  if (physnet !== undefined) {
    const nic = sources.physicalNetworks[physnet]
    if (nic === undefined) {
      throw unresolved(
        `the NAD rides on physical network ${JSON.stringify(physnet)}, which this node does not have (--physical-networks names ${JSON.stringify(Object.keys(sources.physicalNetworks))})`,
      )
    }
    inject.master = nic
  }
  let deviceId: string | undefined
  const resource = nad.annotations[ANNOTATIONS.resourceName]
  if (resource !== undefined) {
    const ids = await sources
      .deviceIds(ctx.podNamespace, ctx.podName, resource)
      .catch((err: unknown) => {
        throw unresolved(`cannot get the pod's ${resource} devices: ${messageOf(err)}`)
      })
    const index = ctx.deviceCursor.get(resource) ?? 0
    deviceId = ids[index]
    if (deviceId === undefined) {
      throw unresolved(
        `the NAD needs a device of resource ${resource}, but the kubelet allocated ${ids.length} to this pod and ${index} are taken`,
      )
    }
    ctx.deviceCursor.set(resource, index + 1)
    // Multus sets both names: SR-IOV plugins read deviceID, older ones pciBusID.
    inject.deviceID = deviceId
    inject.pciBusID = deviceId
  }
  const out = injectIntoPlugins(config, inject, el['cni-args'])
  return deviceId === undefined
    ? { element: el, config: out }
    : { element: el, config: out, deviceId }
}

/**
 * Top-level keys go into the first plugin of a list (the one that creates the interface) or the
 * single config; `cni-args` go under `args.cni` of every plugin, merged over what is there.
 */
export function injectIntoPlugins(
  config: Record<string, unknown>,
  keys: Record<string, unknown>,
  cniArgs: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> {
  const withArgs = (plugin: Record<string, unknown>): Record<string, unknown> => {
    if (cniArgs === undefined) return plugin
    const args = isObject(plugin.args) ? plugin.args : {}
    const cni = isObject(args.cni) ? args.cni : {}
    return { ...plugin, args: { ...args, cni: { ...cni, ...cniArgs } } }
  }
  if (Array.isArray(config.plugins)) {
    const plugins = (config.plugins as unknown[]).map((p, i) => {
      const plugin = isObject(p) ? p : {}
      return withArgs(i === 0 ? { ...plugin, ...keys } : plugin)
    })
    return { ...config, plugins }
  }
  return withArgs({ ...config, ...keys })
}
