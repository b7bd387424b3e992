/**
 * The access policy as admins write it (the `policy.yaml` key of a policy ConfigMap), after it
 * has passed the schema and the checks in validate.ts. The compiler (compile.ts) turns one or
 * more of these into the indexed CompiledPolicy that admission asks.
 *
 * Matching rule used throughout: every field that is written must match (AND); a list matches
 * when any of its entries matches (OR). An omitted field places no condition.
 */
import type { Mode } from './types.js'

export const POLICY_API_VERSION = 'multinet.io/v1alpha1'

/** The ConfigMap data key that holds the policy. */
export const POLICY_DATA_KEY = 'policy.yaml'

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'

export interface LabelSelectorRequirement {
  readonly key: string
  readonly operator: SelectorOperator
  readonly values?: readonly string[]
}

/** A Kubernetes label selector; `{}` matches everything, as in Kubernetes. */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>
  readonly matchExpressions?: readonly LabelSelectorRequirement[]
}

/** Which networks (NADs) a rule is about. */
export interface NetworkMatch {
  /** `namespace/name`; `*` matches any characters within one part, e.g. `nfv/data-*`. */
  readonly names?: readonly string[]
  /** Labels of the NetworkAttachmentDefinition. */
  readonly selector?: LabelSelector
  /** The NAD's physical network (annotation `multinet.io/physical-network`), exact names. */
  readonly physicalNetworks?: readonly string[]
}

/** Namespaces by name (with `*` globs) and/or by their labels. */
export interface NamespaceMatch {
  readonly names?: readonly string[]
  readonly selector?: LabelSelector
}

/** Which pods a rule is about. */
export interface SubjectMatch {
  readonly namespaces?: NamespaceMatch
  readonly pods?: { readonly selector: LabelSelector }
  /** `namespace/name` of service accounts, with `*` globs, e.g. `backup/agent-*`. */
  readonly serviceAccounts?: readonly string[]
}

/**
 * What a rule does. `deny` refuses; `grant` allows without taking the networks from anyone;
 * `reserve` allows and reserves the networks to the rule's pods; `allow` is the original
 * spelling of `reserve` (same meaning, kept so that existing policies keep working).
 */
export type RuleAction = 'allow' | 'deny' | 'grant' | 'reserve'

export interface PolicyRule {
  readonly name: string
  readonly description?: string
  readonly action: RuleAction
  /** Overrides the document's mode for this rule. */
  readonly mode?: Mode
  readonly networks: NetworkMatch
  readonly from: SubjectMatch
}

export interface TenantNetwork {
  /** Exact `namespace/name` of the NAD injected into every pod of the tenant. */
  readonly network: string
  readonly interface?: string
}

export interface PolicyTenant {
  readonly name: string
  readonly description?: string
  readonly namespaces: NamespaceMatch
  readonly networks: readonly TenantNetwork[]
  /** Pods of the tenant may select nothing but the tenant's networks. */
  readonly locked?: boolean
  /** How the lock is applied; overrides the document's mode. Injection always happens. */
  readonly mode?: Mode
  /**
   * Names of other tenants whose networks the pods of this tenant may also use (not injected).
   * One way: to join two tenants both ways, each names the other. A lock covers the union.
   */
  readonly joins?: readonly string[]
}

/**
 * Admin access (OpenShift's admin project): the pods of `namespaces` may attach to every
 * network, and every pod, locked tenants included, may attach to `networks`. Deny rules still
 * win over both. Always in force: an admin entry only allows, so it has no mode.
 */
export interface PolicyAdmin {
  readonly name: string
  readonly description?: string
  readonly namespaces?: NamespaceMatch
  readonly networks?: NetworkMatch
}

export interface PolicyDocument {
  readonly apiVersion: typeof POLICY_API_VERSION
  /** Default mode of this document's rules and tenant locks (enforce when omitted). */
  readonly mode?: Mode
  /** Namespaces whose networks any pod may use (merged: the union of every document's list). */
  readonly globalNamespaces?: readonly string[]
  readonly rules?: readonly PolicyRule[]
  readonly tenants?: readonly PolicyTenant[]
  readonly admins?: readonly PolicyAdmin[]
}
