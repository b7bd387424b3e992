import type { MutationOptions } from '../mutation/types.js'

/** Who may write `k8s.v1.cni.cncf.io/network-status`: the agent's identities. */
export interface AgentIdentities {
  readonly users: readonly string[]
  readonly groups: readonly string[]
  /** `namespace/name` of service accounts (matched as `system:serviceaccount:<ns>:<name>`). */
  readonly serviceAccounts: readonly string[]
  /**
   * When true, an agent identity whose token names a node (userInfo.extra
   * `authentication.kubernetes.io/node-name`) may only write status of pods on that node.
   */
  readonly requireSameNode: boolean
}

/** Everything admission needs besides the cluster state; validated once and frozen. */
export interface AdmissionOptions {
  /** Namespace the webhook runs in: only policy ConfigMaps here count. */
  readonly policyNamespace: string
  /** Label that marks a ConfigMap as access policy (value must be "true"). */
  readonly policyLabel: string
  readonly agent: AgentIdentities
  readonly mutation: MutationOptions
}

export const DEFAULT_ADMISSION_OPTIONS: AdmissionOptions = Object.freeze({
  policyNamespace: 'multinet-system',
  policyLabel: 'multinet.io/policy',
  agent: Object.freeze({
    users: [],
    groups: [],
    serviceAccounts: ['multinet-system/multinet-agent'],
    requireSameNode: true,
  }),
  mutation: Object.freeze({
    resourceNameKeys: ['k8s.v1.cni.cncf.io/resourceName'],
    honorExistingResources: false,
    podnetinfo: true,
    hugepages: false,
    physicalNetworkLabelPrefix: 'physnet.multinet.io/',
  }),
})
