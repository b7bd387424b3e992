/**
 * What admission may know about the cluster: a read-only view, answered from memory. The
 * Kubernetes implementation (src/cluster/kube-state.ts) is fed by informers; the file-backed one
 * (src/cluster/file-state.ts) by a folder of manifests. Admission code never sees either.
 */
import type { CompiledPolicy } from '../policy/types.js'
import type { NadInfo } from '../spec/types.js'

export type { NadInfo } from '../spec/types.js'

export interface SyncStatus {
  /** True once every source has completed its first full list. */
  readonly synced: boolean
  /** Sources that are not (or no longer) live, with why: shown in /readyz detail. */
  readonly problems: readonly string[]
}

/** Pods that still select a NAD: the answer of `ClusterState.podsUsingNad`. */
export type NadUsage =
  | {
      readonly ok: true
      /** How many unfinished pods select it. */
      readonly total: number
      /** `namespace/name` of the first few of them, sorted, for the message. */
      readonly examples: readonly string[]
    }
  /** The question could not be answered in time; `reason` says why. */
  | { readonly ok: false; readonly reason: string }

export interface ClusterState {
  /** A NAD from memory; `undefined` when not known. */
  getNad(namespace: string, name: string): NadInfo | undefined
  /**
   * A NAD that memory does not have, looked up once at the source (it may have been created a
   * moment ago). Implementations bound the wait and never cache a miss. `undefined` means the
   * source says it does not exist; a source that could not answer (403, 5xx, timeout) rejects
   * with an Error whose message says what happened.
   */
  fetchNad(namespace: string, name: string): Promise<NadInfo | undefined>
  /** Labels of a namespace; `undefined` when the namespace is not known. */
  namespaceLabels(namespace: string): Readonly<Record<string, string>> | undefined
  /**
   * Labels of a namespace that memory does not have (created a moment ago), looked up once at
   * the source with a bounded wait; `undefined` when the source says it does not exist, a
   * rejection (message: what happened) when it could not answer. Policy rules select namespaces
   * by label, so deciding without them could let a deny rule miss.
   */
  fetchNamespaceLabels(namespace: string): Promise<Readonly<Record<string, string>> | undefined>
  /**
   * Unfinished pods (not Succeeded or Failed) that select the NAD, asked only when a NAD is
   * deleted (rare), so implementations may go to the source, with a bounded wait.
   */
  podsUsingNad(namespace: string, name: string): Promise<NadUsage>
  /** The access policy in force (the last good one when the newest does not validate). */
  policy(): CompiledPolicy
  sync(): SyncStatus
}
