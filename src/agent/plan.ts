/**
 * The attachment plan of one pod sandbox: which networks, in which order, under which interface
 * names, with which config and runtimeConfig. It is built once on ADD (pure, from the pod's
 * selections already parsed by the same spec code the webhook uses, and the NADs already
 * resolved), persisted before the first delegate runs, and is all that DEL, CHECK and GC read:
 * the configuration must not change between ADD and DEL (CNI spec), and the pod or the API
 * server may be gone by then.
 */
import { isIP } from 'node:net'
import type { SelectionElement } from '../spec/types.js'
import type { CniResult } from './cni/types.js'
import type { CniArgPairs } from './cni-args.js'
import { CniError } from './cni-error.js'
import { CNI_ERROR_CODES } from './protocol.js'

export const PLAN_VERSION = 1

/** Where an attachment stands; DEL runs every attachment that got past `planned`. */
export type AttachmentState = 'planned' | 'adding' | 'added' | 'failed' | 'deleted'

export interface PlannedAttachment {
  /** Name in network-status and logs: the primary's CNI name, or `<namespace>/<nad>`. */
  readonly network: string
  readonly ifName: string
  readonly primary: boolean
  /** The NAD, for secondary networks and a default-network override. */
  readonly nad?: { readonly namespace: string; readonly name: string }
  /** The config (single or list) as it is run, with master/deviceID/args.cni injected. */
  readonly config: Readonly<Record<string, unknown>>
  /** runtimeConfig values; each plugin gets the ones its capabilities declare. */
  readonly capabilityArgs: Readonly<Record<string, unknown>>
  /** Gateways this attachment's default routes go through (`default-route` of its selection). */
  readonly defaultRoute?: readonly string[]
  /** Remove this attachment's IPv4 / IPv6 default routes (another attachment owns them). */
  readonly filterV4Gateway: boolean
  readonly filterV6Gateway: boolean
  readonly deviceId?: string
  state: AttachmentState
  /** The delegate's ADD result (after default-route changes), persisted for CHECK and DEL. */
  result?: CniResult
  error?: string
}

export interface Plan {
  readonly version: typeof PLAN_VERSION
  readonly containerId: string
  readonly netns: string
  /** CNI_ARGS as the runtime sent them (delegates get the same). */
  readonly args: CniArgPairs
  readonly pod: { readonly namespace: string; readonly name: string; readonly uid: string }
  /** The runtime's cniVersion: the result handed back is in this version. */
  readonly cniVersion: string
  readonly createdAt: string
  readonly attachments: PlannedAttachment[]
  /** DELs that failed so far; past MAX_DELETE_ATTEMPTS the plan is dropped (no endless loop). */
  deleteAttempts?: number
}

/**
 * A delegate whose DEL keeps failing (its master NIC was removed, its plugin binary is gone)
 * would keep the sandbox from ever being deleted; after this many failed DELs the agent gives
 * up, logs what may leak, and lets the runtime finish.
 */
export const MAX_DELETE_ATTEMPTS = 5

/** A network ready to plan: its selection and its CNI config with the NAD's decisions applied. */
export interface ResolvedNetwork {
  readonly element: SelectionElement
  /** The CNI config (single or list), `name` filled in, master/deviceID/args.cni injected. */
  readonly config: Record<string, unknown>
  readonly deviceId?: string
}

export interface PlanInput {
  readonly containerId: string
  readonly netns: string
  /** CNI_IFNAME: the primary's interface (eth0 from kubelet). */
  readonly ifName: string
  readonly args: CniArgPairs
  readonly pod: Plan['pod']
  readonly cniVersion: string
  /** The node's primary network config. */
  readonly primary: Record<string, unknown>
  /** runtimeConfig the runtime sent (kubelet's portMappings, bandwidth, ...): the primary's. */
  readonly runtimeConfig: Readonly<Record<string, unknown>>
  /** `v1.multus-cni.io/default-network`, resolved: replaces the primary's config. */
  readonly defaultNetwork?: ResolvedNetwork
  /** `k8s.v1.cni.cncf.io/networks`, resolved, in annotation order. */
  readonly networks: readonly ResolvedNetwork[]
  readonly now?: Date
}

export function buildPlan(input: PlanInput): Plan {
  const primaryName = networkNameOf(input.primary)
  const override = input.defaultNetwork
  const primary: Draft = {
    network: override ? elementName(override.element) : primaryName,
    ifName: input.ifName,
    primary: true,
    config: override ? override.config : input.primary,
    capabilityArgs: override
      ? { ...input.runtimeConfig, ...capabilityArgsOf(override) }
      : { ...input.runtimeConfig },
    defaultRoute: override?.element['default-route'],
    deviceId: override?.deviceId,
    nad: override && { namespace: override.element.namespace, name: override.element.name },
  }
  const drafts: Draft[] = [primary]
  const used = new Map<string, string>([[input.ifName, primary.network]])
  input.networks.forEach((net, i) => {
    // Multus and the webhook: net<N> by 1-based position among the selections.
    const ifName = net.element.interface ?? `net${i + 1}`
    const network = elementName(net.element)
    const holder = used.get(ifName)
    if (holder !== undefined) {
      throw new CniError(
        CNI_ERROR_CODES.invalidConfig,
        `networks[${i}] (${network}) asks for interface ${ifName}, which ${holder} already uses`,
      )
    }
    used.set(ifName, network)
    drafts.push({
      network,
      ifName,
      primary: false,
      config: net.config,
      capabilityArgs: capabilityArgsOf(net),
      defaultRoute: net.element['default-route'],
      deviceId: net.deviceId,
      nad: { namespace: net.element.namespace, name: net.element.name },
    })
  })
  const filters = gatewayFilters(drafts)
  return {
    version: PLAN_VERSION,
    containerId: input.containerId,
    netns: input.netns,
    args: input.args,
    pod: input.pod,
    cniVersion: input.cniVersion,
    createdAt: (input.now ?? new Date()).toISOString(),
    attachments: drafts.map((d, i) => {
      const a: PlannedAttachment = {
        network: d.network,
        ifName: d.ifName,
        primary: d.primary,
        config: d.config,
        capabilityArgs: d.capabilityArgs,
        filterV4Gateway: filters[i]!.v4,
        filterV6Gateway: filters[i]!.v6,
        state: 'planned',
      }
      return {
        ...a,
        ...(d.nad && { nad: d.nad }),
        ...(d.defaultRoute && { defaultRoute: d.defaultRoute }),
        ...(d.deviceId !== undefined && { deviceId: d.deviceId }),
      }
    }),
  }
}

interface Draft {
  network: string
  ifName: string
  primary: boolean
  config: Record<string, unknown>
  capabilityArgs: Record<string, unknown>
  defaultRoute: readonly string[] | undefined
  deviceId: string | undefined
  nad: { namespace: string; name: string } | undefined
}

function elementName(el: SelectionElement): string {
  return `${el.namespace}/${el.name}`
}

export function networkNameOf(config: Readonly<Record<string, unknown>>): string {
  return typeof config.name === 'string' && config.name !== '' ? config.name : 'unnamed'
}

/** The selection's runtime values under the CNI capability names (CONVENTIONS.md). */
function capabilityArgsOf(net: ResolvedNetwork): Record<string, unknown> {
  const el = net.element
  const out: Record<string, unknown> = {}
  if (el.ips) out.ips = el.ips
  if (el.mac) out.mac = el.mac
  if (el.portMappings) {
    out.portMappings = el.portMappings.map((pm) => ({
      hostPort: pm.hostPort,
      containerPort: pm.containerPort,
      protocol: pm.protocol.toLowerCase(),
      ...(pm.hostIP !== undefined && { hostIP: pm.hostIP }),
    }))
  }
  if (el.bandwidth) out.bandwidth = el.bandwidth
  if (el['infiniband-guid']) out.infinibandGUID = el['infiniband-guid']
  if (net.deviceId !== undefined) out.deviceID = net.deviceId
  return out
}

/**
 * `default-route` (spec §4.1.2.1.9): at most one gateway per IP family across the pod (no ECMP,
 * as Multus); every other attachment loses its default route of a family that was requested.
 */
function gatewayFilters(drafts: readonly Draft[]): { v4: boolean; v6: boolean }[] {
  const owner: Record<4 | 6, { network: string; gw: string } | undefined> = {
    4: undefined,
    6: undefined,
  }
  const families = drafts.map((d) => {
    const has = { 4: false, 6: false }
    for (const gw of d.defaultRoute ?? []) {
      const family = isIP(gw) as 4 | 6
      const prior = owner[family]
      if (prior !== undefined) {
        throw new CniError(
          CNI_ERROR_CODES.invalidConfig,
          `default-route: ${d.network} asks for IPv${family} gateway ${gw} but ${prior.network} already has ${prior.gw}; one gateway per IP family (no ECMP)`,
        )
      }
      owner[family] = { network: d.network, gw }
      has[family] = true
    }
    return has
  })
  return families.map((has) => ({
    v4: owner[4] !== undefined && !has[4],
    v6: owner[6] !== undefined && !has[6],
  }))
}
