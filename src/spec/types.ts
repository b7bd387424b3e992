/**
 * The objects of multi-net-spec v1.3 as Multinet holds them after validation. Field names follow
 * the spec's JSON keys; `namespace` is always filled in (the pod's namespace when the
 * annotation leaves it out).
 */

export interface PortMapping {
  readonly hostPort: number
  readonly containerPort: number
  /** Upper-cased; TCP when the annotation leaves it out. */
  readonly protocol: 'TCP' | 'UDP' | 'SCTP'
  readonly hostIP?: string
}

export interface Bandwidth {
  readonly ingressRate?: number
  readonly ingressBurst?: number
  readonly egressRate?: number
  readonly egressBurst?: number
}

/** One element of `k8s.v1.cni.cncf.io/networks` (spec §4.1.2). */
export interface SelectionElement {
  readonly name: string
  readonly namespace: string
  readonly interface?: string
  readonly ips?: readonly string[]
  readonly mac?: string
  readonly 'cni-args'?: Readonly<Record<string, unknown>>
  readonly portMappings?: readonly PortMapping[]
  readonly bandwidth?: Bandwidth
  readonly 'default-route'?: readonly string[]
  readonly 'infiniband-guid'?: string
  readonly 'ipam-claim-reference'?: string
  /** Non-standard keys (reverse-DNS names, spec §4.1.2) kept as given. */
  readonly extra?: Readonly<Record<string, unknown>>
}

/** One entry of `k8s.v1.cni.cncf.io/network-status` (spec §5). */
export interface NetworkStatusEntry {
  readonly name: string
  readonly interface?: string
  readonly ips?: readonly string[]
  readonly mac?: string
  readonly mtu?: number
  readonly default?: boolean
  readonly dns?: {
    readonly nameservers?: readonly string[]
    readonly domain?: string
    readonly search?: readonly string[]
  }
  readonly 'default-route'?: readonly string[]
  readonly gateway?: readonly string[]
  readonly 'device-info'?: Readonly<Record<string, unknown>>
  readonly 'infiniband-guid'?: string
}

export const ANNOTATIONS = {
  networks: 'k8s.v1.cni.cncf.io/networks',
  networkStatus: 'k8s.v1.cni.cncf.io/network-status',
  defaultNetwork: 'v1.multus-cni.io/default-network',
  resourceName: 'k8s.v1.cni.cncf.io/resourceName',
  nodeSelector: 'k8s.v1.cni.cncf.io/nodeSelector',
  /** Ours: the physical network a NAD rides on (the agent labels nodes that have it). */
  physicalNetwork: 'multinet.io/physical-network',
  /** Ours: the container that receives injected device resources (NRI #99). */
  resourceContainer: 'multinet.io/resource-container',
  /** Ours: what the webhook added to the resource container, `{"<resource>": n}` (idempotence). */
  injectedResources: 'multinet.io/injected-resources',
} as const

/** The parts of a NetworkAttachmentDefinition that decisions need (not the whole object). */
export interface NadInfo {
  readonly namespace: string
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  /**
   * Only the annotations decisions read (`k8s.v1.cni.cncf.io/*`, `multinet.io/*`, and the
   * configured resource-name keys); kubectl's last-applied-configuration and the like are
   * dropped so that 10,000 cached NADs stay small.
   */
  readonly annotations: Readonly<Record<string, string>>
  /** CNI plugin types in spec.config (empty when the config is on disk), for metrics and docs. */
  readonly cniTypes: readonly string[]
}

/** How a NAD, or a reference to one, is keyed and named everywhere: `namespace/name`. */
export function nadKey(namespace: string, name: string): string {
  return `${namespace}/${name}`
}

export function networkKey(n: { readonly namespace: string; readonly name: string }): string {
  return nadKey(n.namespace, n.name)
}
