import type { ClusterState } from '../admission/state.js'

/** Health of one watched resource (NADs, namespaces, policy ConfigMaps), for /metrics. */
export interface SourceCounters {
  /** Watches started after the first one, for any reason (server timeouts included). */
  readonly reconnects: number
  /** Full lists after the first one (410 Gone: the watch could not resume). */
  readonly relists: number
  /** Failed list or watch attempts. */
  readonly failures: number
  /** Seconds since the watch went down; 0 while it is up. */
  readonly staleSeconds: number
}

/** Cache sizes, for /metrics and logs. */
export interface StateStats {
  readonly nads: number
  readonly namespaces: number
  readonly policyConfigMaps: number
  /** Per watched resource, keyed `nads`, `namespaces`, `policy-configmaps` (Kubernetes only). */
  readonly sources?: Readonly<Record<string, SourceCounters>>
  /** Problems keeping the newest policy ConfigMaps out of force (0: the newest is in force). */
  readonly policyErrors?: number
}

/**
 * A live cluster state that the process owns: the informer-fed one (kube-state.ts) or the
 * folder-backed one (file-state.ts). Admission only ever sees the ClusterState part.
 */
export interface StateSource extends ClusterState {
  stats(): StateStats
  /**
   * Resolves true once sync().synced, or false after `timeoutMs` (start-up may wait for a warm
   * cache before serving; readiness reports the same thing either way).
   */
  waitForSync?(timeoutMs: number): Promise<boolean>
  /** Stop watches and timers; idempotent. */
  close(): Promise<void>
}
