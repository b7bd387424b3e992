/**
 * The wire contract between `multinet cni` (the shim the container runtime executes) and
 * `multinet agent` (the node daemon), over a unix socket, HTTP/1.1, JSON bodies.
 *
 * Both sides import this file and nothing else of each other: the shim must stay tiny (it is
 * started for every pod sandbox), so this file holds types and constants only.
 */

/** Where the agent listens unless configured otherwise; the directory is 0700, the socket 0600. */
export const DEFAULT_AGENT_SOCKET = '/run/multinet/agent.sock'

/**
 * POST: one CNI operation. Body `CniRequest`; 200 with `CniReply`, otherwise `CniErrorBody`.
 * Sent with `expect: 100-continue` (the shim's ADD and CHECK), it is continued only when the
 * agent is ready; otherwise it is answered 503 (`CniErrorBody`, code 11) before the body is
 * sent, so the operation did not start and may be sent again.
 */
export const CNI_ROUTE = '/cni'
/** GET: 200 once the agent can serve ADD (caches synced, node config written), else 503. */
export const READY_ROUTE = '/readyz'

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'STATUS' | 'GC' | 'VERSION'

export const CNI_COMMANDS: readonly CniCommand[] = [
  'ADD',
  'DEL',
  'CHECK',
  'STATUS',
  'GC',
  'VERSION',
]

/** The spec's variables: the shim forwards these and nothing else of the runtime's environment. */
export const CNI_ENV_KEYS = [
  'CNI_COMMAND',
  'CNI_CONTAINERID',
  'CNI_NETNS',
  'CNI_IFNAME',
  'CNI_ARGS',
  'CNI_PATH',
] as const

/** The CNI versions both the shim (VERSION answer) and the agent's libcni speak, oldest first. */
export const CNI_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const

/**
 * Only the CNI_* variables the runtime set: never the shim's whole environment (Multus forwards
 * os.Environ(), which leaks the runtime's secrets into the daemon's logs).
 */
export interface CniEnv {
  readonly CNI_COMMAND: CniCommand
  readonly CNI_CONTAINERID?: string
  readonly CNI_NETNS?: string
  readonly CNI_IFNAME?: string
  readonly CNI_ARGS?: string
  readonly CNI_PATH?: string
}

export interface CniRequest {
  readonly env: CniEnv
  /** The network configuration the runtime wrote to the shim's stdin, parsed. */
  readonly config: Record<string, unknown>
}

/** 200 answer: the CNI result for ADD (in the config's cniVersion), `null` for the others. */
export interface CniReply {
  readonly result: Record<string, unknown> | null
}

/** Non-200 answer, printed by the shim on stdout as the CNI error (exit 1). */
export interface CniErrorBody {
  readonly cniVersion: string
  /** CNI well-known codes 1–11; 100+ are ours (see CNI_ERROR_CODES). */
  readonly code: number
  readonly msg: string
  readonly details?: string
}

/** Error codes in CNI form: 1–11 are the spec's, 100+ Multinet's own. */
export const CNI_ERROR_CODES = {
  incompatibleVersion: 1,
  unsupportedField: 2,
  containerUnknown: 3,
  invalidEnv: 4,
  ioFailure: 5,
  decodeFailure: 6,
  invalidConfig: 7,
  tryAgainLater: 11,
  /** The agent did not answer in time (not running, not ready, or overloaded). */
  agentUnavailable: 100,
  /** The pod could not be read, or its UID does not match CNI_ARGS. */
  podLookup: 101,
  /** A NAD the pod selects is missing or unusable. */
  networkUnresolved: 102,
  /** A delegate plugin failed; details name the network and the plugin. */
  delegateFailed: 103,
  /** The agent's deadline for the whole operation passed. */
  deadlineExceeded: 104,
} as const

/** Keys of the shim's own plugin entry in the node's `00-multinet.conflist`. */
export interface ShimConf {
  readonly type: 'multinet'
  /** Agent socket path (default DEFAULT_AGENT_SOCKET). */
  readonly socket?: string
  /** How long ADD waits for the agent to be ready before failing (ms, default 30000). */
  readonly readyTimeoutMs?: number
  /** Deadline for one whole ADD/CHECK through the agent (ms, default 100000: under kubelet's 4 min CRI budget). */
  readonly deadlineMs?: number
}
