/** Options of the mutating side, validated once in src/config and passed in frozen. */
export interface MutationOptions {
  /** NAD annotation keys whose value names an extended resource (NRI's -network-resource-name-keys). */
  readonly resourceNameKeys: readonly string[]
  /** Add the count to what containers[target] already requests instead of leaving it alone. */
  readonly honorExistingResources: boolean
  /** Mount the podnetinfo downward-API volume. */
  readonly podnetinfo: boolean
  /** Add hugepage request/limit items to the podnetinfo volume. */
  readonly hugepages: boolean
  /** Node label prefix the agent publishes for physical networks, e.g. `physnet.multinet.io/`. */
  readonly physicalNetworkLabelPrefix: string
}
