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

export interface PolicyRule {
  readonly name: string
  readonly description?: string
  readonly action: 'allow' | 'deny'
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
}

export interface PolicyDocument {
  readonly apiVersion: typeof POLICY_API_VERSION
  /** Default mode of this document's rules and tenant locks (enforce when omitted). */
  readonly mode?: Mode
  /** Namespaces whose networks any pod may use (merged: the union of every document's list). */
  readonly globalNamespaces?: readonly string[]
  readonly rules?: readonly PolicyRule[]
  readonly tenants?: readonly PolicyTenant[]
}
