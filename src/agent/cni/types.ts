/**
 * A small libcni of our own: the contract the agent's attach/detach code uses to run delegate
 * plugins. Stateless: results are persisted by the agent's store and passed back explicitly as
 * prevResult, so a crash never depends on an in-memory cache.
 */

/** One plugin entry of a conflist (a single-plugin `.conf` is loaded as a list of one). */
export interface PluginConf {
  readonly type: string
  readonly capabilities?: Readonly<Record<string, boolean>>
  readonly [key: string]: unknown
}

/** A network configuration list, normalised. `raw` keeps the original JSON for the plan cache. */
export interface NetworkConfigList {
  readonly name: string
  /** The version chosen for this list (highest of cniVersion/cniVersions that the code supports). */
  readonly cniVersion: string
  readonly disableCheck: boolean
  readonly disableGC: boolean
  readonly plugins: readonly PluginConf[]
  /** True when loaded from a single-plugin config (no `plugins` key). */
  readonly single: boolean
  readonly raw: Readonly<Record<string, unknown>>
}

/** What the runtime knows about one attachment. */
export interface RuntimeConf {
  readonly containerId: string
  /** Path of the network namespace; may be '' on a DEL (containerd's second DEL). */
  readonly netns: string
  readonly ifName: string
  /** CNI_ARGS pairs in order (`IgnoreUnknown=1;K8S_POD_NAMESPACE=...`). */
  readonly args: ReadonlyArray<readonly [string, string]>
  /**
   * runtimeConfig values by capability name (ips, mac, portMappings, bandwidth, infinibandGUID,
   * deviceID, ...): each plugin receives only the ones its `capabilities` declare true.
   */
  readonly capabilityArgs: Readonly<Record<string, unknown>>
}

/** A CNI result in 1.0.0 shape (older results are converted up when read). */
export interface CniResult {
  readonly cniVersion: string
  readonly interfaces?: ReadonlyArray<{
    readonly name: string
    readonly mac?: string
    readonly mtu?: number
    readonly sandbox?: string
    readonly socketPath?: string
    readonly pciID?: string
  }>
  readonly ips?: ReadonlyArray<{
    readonly address: string
    readonly gateway?: string
    readonly interface?: number
  }>
  readonly routes?: ReadonlyArray<{
    readonly dst: string
    readonly gw?: string
    readonly mtu?: number
    readonly advmss?: number
    readonly priority?: number
    readonly table?: number
    readonly scope?: number
  }>
  readonly dns?: {
    readonly nameservers?: readonly string[]
    readonly domain?: string
    readonly search?: readonly string[]
    readonly options?: readonly string[]
  }
}

export interface ExecOptions {
  /** Directories searched for plugin binaries, in order (CNI_PATH). */
  readonly binDirs: readonly string[]
  /** Kill a plugin process after this long (ms); the error says which plugin timed out. */
  readonly timeoutMs: number
  readonly signal?: AbortSignal
}

export interface ValidAttachment {
  readonly containerID: string
  readonly ifname: string
}

/** The operations the agent needs. Every failure is a `CniPluginError`. */
export interface CniClient {
  /** ADD each plugin in order, chaining prevResult; returns the last plugin's result. */
  addNetworkList(list: NetworkConfigList, rt: RuntimeConf, opts: ExecOptions): Promise<CniResult>
  /** CHECK each plugin with the final ADD result (skipped when disableCheck or version < 0.4.0). */
  checkNetworkList(
    list: NetworkConfigList,
    rt: RuntimeConf,
    prevResult: CniResult,
    opts: ExecOptions,
  ): Promise<void>
  /** DEL each plugin in reverse order; idempotent; prevResult when known (>= 0.4.0). */
  delNetworkList(
    list: NetworkConfigList,
    rt: RuntimeConf,
    prevResult: CniResult | undefined,
    opts: ExecOptions,
  ): Promise<void>
  /** STATUS (CNI 1.1.0 only; older versions succeed without exec). */
  statusNetworkList(list: NetworkConfigList, opts: ExecOptions): Promise<void>
  /** GC with cni.dev/valid-attachments (1.1.0 only, and not when disableGC). */
  gcNetworkList(
    list: NetworkConfigList,
    valid: readonly ValidAttachment[],
    opts: ExecOptions,
  ): Promise<void>
}
