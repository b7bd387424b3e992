import type { ClusterState } from '../admission/state.js'

/** Cache sizes, for /metrics and logs. */
export interface StateStats {
  readonly nads: number
  readonly namespaces: number
  readonly policyConfigMaps: number
}

/**
 * A live cluster state that the process owns: the informer-fed one (kube-state.ts) or the
 * folder-backed one (file-state.ts). Admission only ever sees the ClusterState part.
 */
export interface StateSource extends ClusterState {
  stats(): StateStats
  /** Stop watches and timers; idempotent. */
  close(): Promise<void>
}
