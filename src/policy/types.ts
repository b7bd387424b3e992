/**
 * The contract between the access policy (src/policy) and admission. A compiled policy is an
 * immutable, indexed structure built once per policy change; `decide` runs on every pod.
 */
import type { NamedPolicyDocument } from './merge.js'

import type { Finding } from '../spec/finding.js'

export type Mode = 'enforce' | 'warn' | 'audit'

/** Who asks: the pod being admitted, with what admission knows about its namespace. */
export interface Subject {
  readonly namespace: string
  /** Labels of the pod's namespace (`{}` when unknown). */
  readonly namespaceLabels: Readonly<Record<string, string>>
  readonly podLabels: Readonly<Record<string, string>>
  /** `spec.serviceAccountName`, `default` when unset. */
  readonly serviceAccount: string
}

/** A network the pod selects, resolved to its NAD (labels `{}` when the NAD is unknown). */
export interface NetworkRef {
  readonly namespace: string
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  /** The NAD's `multinet.io/physical-network` annotation; absent when unset or unknown. */
  readonly physicalNetwork?: string
}

export interface Decision {
  readonly network: { readonly namespace: string; readonly name: string }
  readonly allowed: boolean
  /** How a refusal is applied: enforce denies, warn allows with a warning, audit only logs. */
  readonly mode: Mode
  /**
   * What decided, e.g. `rule/storage-readers`, `isolation`, `tenant/acme`, `admin/ops`.
   */
  readonly rule: string
  /** Why, in a sentence a user understands. */
  readonly reason: string
  /** How to get access, e.g. "ask an admin to add namespace x to rule y". */
  readonly hint?: string
}

export interface TenantAssignment {
  readonly tenant: string
  /** Networks injected into every pod of the namespace, in order. */
  readonly networks: readonly {
    readonly namespace: string
    readonly name: string
    readonly interface?: string
  }[]
  /** When locked, pods of the namespace may select nothing but these networks. */
  readonly locked: boolean
}

export interface CompiledPolicy {
  /** Names of the ConfigMaps merged into this policy, in merge order (empty: built-in default). */
  readonly sources: readonly string[]
  readonly globalNamespaces: readonly string[]
  /**
   * Problems met while merging the ConfigMaps (e.g. a rule name defined twice: the first wins),
   * for logs and readiness detail; empty or absent when the merge was clean.
   */
  readonly findings?: readonly Finding[]
  /**
   * The documents merged into this policy, in merge order: what a new or edited policy
   * ConfigMap is checked against (rule and tenant names are unique across ConfigMaps).
   */
  readonly documents: readonly NamedPolicyDocument[]
  /** One decision per network, in the order given. */
  decide(subject: Subject, networks: readonly NetworkRef[]): Decision[]
  /** The tenant entry that matches the subject's namespace, if any. */
  tenantFor(subject: Subject): TenantAssignment | undefined
}
