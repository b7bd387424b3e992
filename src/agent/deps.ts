/**
 * What the CNI operations need from the rest of the agent, as interfaces: the libcni client,
 * the plan store, the pod and NAD sources, the status writer. agent.ts binds them to the real
 * implementations; tests bind the API-facing ones to a real HTTP server of their own.
 */
import type { Logger } from 'pino'
import type { NetworkStatusEntry } from '../spec/types.js'
import type { CniClient, NetworkConfigList } from './cni/types.js'
import type { RouteRunner } from './default-route.js'
import type { AgentMetrics } from './metrics.js'
import type { PlanStore } from './plan-store.js'
import type { NetworkSources } from './resolve.js'

/** The parts of a pod the agent reads. */
export interface PodInfo {
  readonly namespace: string
  readonly name: string
  readonly uid: string
  readonly resourceVersion: string
  readonly annotations: Readonly<Record<string, string>>
}

export interface PodSource {
  /** The pod, from the node's pod cache (waiting briefly for it) or a direct GET; undefined: 404. */
  getPod(namespace: string, name: string, uid: string | undefined): Promise<PodInfo | undefined>
  /** The cached pod only, never a request (DEL must work with the API server gone). */
  cachedPod(namespace: string, name: string): PodInfo | undefined
}

export interface StatusWriter {
  /** Write network-status on the pod (conflict-retrying); false when the pod is gone. */
  write(pod: PodInfo, entries: readonly NetworkStatusEntry[]): Promise<boolean>
}

export interface EventRecorder {
  /** Best effort: a failure is logged by the recorder, never thrown. */
  addedInterface(pod: PodInfo, message: string): void
}

/** The primary network config the node config wraps, as last read from the conf dir. */
export interface PrimarySource {
  current(): Readonly<Record<string, unknown>> | undefined
  /** Where it was read from, for messages. */
  describe(): string
}

export interface OperationDeps {
  readonly cni: CniClient
  /** Loads a conf or conflist (the libcni loader: version choice, normalisation). */
  readonly toList: (config: Readonly<Record<string, unknown>>) => NetworkConfigList
  readonly store: PlanStore
  readonly pods: PodSource
  readonly sources: NetworkSources
  readonly status: StatusWriter
  readonly events?: EventRecorder
  readonly primary: PrimarySource
  readonly binDirs: readonly string[]
  readonly delegateTimeoutMs: number
  readonly routes: RouteRunner
  readonly logger: Logger
  readonly metrics: AgentMetrics
  /** Aborts delegate processes when the agent gives up on in-flight work at shutdown. */
  readonly signal?: AbortSignal
}
