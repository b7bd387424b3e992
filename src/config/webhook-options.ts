import { DEFAULT_ADMISSION_OPTIONS, type AdmissionOptions } from '../admission/options.js'
import { MultinetError } from '../errors.js'
import { DEFAULT_TLS_CIPHERS } from '../webhook/tls-policy.js'
import type { OptionTable } from './define.js'
import type { Profile } from './load.js'

/** Every setting of `multinet webhook`, flat, as flags, environment and config file name them. */
export interface WebhookSettings {
  readonly port: number
  readonly bindAddress: string
  readonly bodyLimitBytes: number
  readonly headersTimeoutMs: number
  readonly requestTimeoutMs: number
  readonly keepAliveTimeoutMs: number
  readonly tlsHandshakeTimeoutMs: number
  readonly maxConnections: number
  readonly tlsCertFile: string
  readonly tlsKeyFile: string
  readonly tlsMinVersion: 'TLSv1.2' | 'TLSv1.3'
  readonly tlsCiphers: string
  readonly clientCaFile: string | undefined
  readonly certReloadIntervalMs: number
  readonly healthPort: number
  readonly healthBindAddress: string
  readonly stateDir: string | undefined
  readonly kubeconfig: string | undefined
  readonly fetchTimeoutMs: number
  readonly namespace: string
  readonly policyLabel: string
  readonly policyStore: string
  readonly agentUsers: readonly string[]
  readonly agentGroups: readonly string[]
  readonly agentServiceAccounts: readonly string[]
  readonly agentRequireSameNode: boolean
  readonly resourceNameKeys: readonly string[]
  readonly honorExistingResources: boolean
  readonly podnetinfo: boolean
  readonly hugepages: boolean
  readonly physicalNetworkLabelPrefix: string
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'
  readonly shutdownTimeoutMs: number
  readonly dev: boolean
}

const S = 'Server'
const T = 'TLS'
const P = 'Probes and metrics'
const C = 'Cluster state'
const A = 'Admission'
const L = 'Process'
const second = 1000
const defaults = DEFAULT_ADMISSION_OPTIONS

export const WEBHOOK_OPTIONS: OptionTable<WebhookSettings> = {
  port: {
    group: S,
    type: 'integer',
    default: 8443,
    minimum: 0,
    maximum: 65535,
    description: 'HTTPS port for POST /validate and POST /mutate (0: any free port, logged).',
  },
  bindAddress: {
    group: S,
    type: 'string',
    default: '0.0.0.0',
    metavar: 'ip',
    description: 'Address the HTTPS server listens on.',
  },
  bodyLimitBytes: {
    group: S,
    type: 'integer',
    default: 4 * 1024 * 1024,
    minimum: 64 * 1024,
    maximum: 64 * 1024 * 1024,
    description:
      'Largest accepted request body (larger: 413). An UPDATE review carries object and oldObject, each up to the 1.5 MiB etcd limit, plus the envelope: 4 MiB leaves headroom.',
  },
  headersTimeoutMs: {
    group: S,
    type: 'integer',
    default: 5 * second,
    minimum: 100,
    maximum: 120 * second,
    description: 'Time a client has to send the request headers.',
  },
  requestTimeoutMs: {
    group: S,
    type: 'integer',
    default: 10 * second,
    minimum: 100,
    maximum: 300 * second,
    description:
      'Time a client has to send the whole request, headers and body; a slow body cannot pin a connection longer.',
  },
  keepAliveTimeoutMs: {
    group: S,
    type: 'integer',
    default: 120 * second,
    minimum: 1 * second,
    maximum: 600 * second,
    description:
      "Idle time before a kept-alive connection is closed. Longer than the API server's 90 s idle-connection timeout, so the client closes first and never races a POST into a closing socket.",
  },
  tlsHandshakeTimeoutMs: {
    group: S,
    type: 'integer',
    default: 5 * second,
    minimum: 100,
    maximum: 60 * second,
    description:
      'Time from TCP accept to a finished TLS handshake; a connection that never starts TLS is closed then.',
  },
  maxConnections: {
    group: S,
    type: 'integer',
    default: 1024,
    minimum: 1,
    maximum: 65536,
    description:
      'Open HTTPS connections at once; more are closed at accept. The API servers keep a few pooled connections each; the cap bounds memory and file descriptors under a flood.',
  },
  tlsCertFile: {
    group: T,
    type: 'string',
    default: '/etc/multinet/tls/tls.crt',
    metavar: 'file',
    description: 'PEM serving certificate (chain allowed); reloaded when it changes.',
    defaultText: '/etc/multinet/tls/tls.crt (--dev: certs/tls.crt)',
  },
  tlsKeyFile: {
    group: T,
    type: 'string',
    default: '/etc/multinet/tls/tls.key',
    metavar: 'file',
    description: 'PEM private key of the serving certificate; reloaded when it changes.',
    defaultText: '/etc/multinet/tls/tls.key (--dev: certs/tls.key)',
  },
  tlsMinVersion: {
    group: T,
    type: 'string',
    default: 'TLSv1.2',
    enum: ['TLSv1.2', 'TLSv1.3'],
    description: 'Lowest TLS version accepted.',
  },
  tlsCiphers: {
    group: T,
    type: 'string',
    default: DEFAULT_TLS_CIPHERS,
    metavar: 'list',
    description:
      'OpenSSL cipher list, colon-separated, TLS 1.3 suites (TLS_*) and TLS 1.2 names alike. The default is the AEAD-only ECDHE set of Mozilla "intermediate": no CBC, no SHA-1, no RSA key exchange.',
    defaultText: 'Mozilla intermediate, AEAD only',
  },
  clientCaFile: {
    group: T,
    type: 'string',
    metavar: 'file',
    description: 'PEM CA bundle: when set, clients must present a certificate it signed (mTLS).',
  },
  certReloadIntervalMs: {
    group: T,
    type: 'integer',
    default: 10 * second,
    minimum: 100,
    maximum: 3600 * second,
    description:
      'How often the key, certificate and client CA files are re-read; a changed, valid set replaces the served one without a restart.',
  },
  healthPort: {
    group: P,
    type: 'integer',
    default: 8081,
    minimum: 0,
    maximum: 65535,
    description: 'Plain-HTTP port for /livez, /readyz and /metrics (0: any free port, logged).',
  },
  healthBindAddress: {
    group: P,
    type: 'string',
    default: '0.0.0.0',
    metavar: 'ip',
    description: 'Address the probe and metrics server listens on.',
  },
  stateDir: {
    group: C,
    type: 'string',
    metavar: 'dir',
    description:
      'Read NADs, Namespaces and policy ConfigMaps from this folder of manifests (watched) instead of the Kubernetes API.',
    defaultText: 'unset: use the API (--dev: examples/state)',
  },
  kubeconfig: {
    group: C,
    type: 'string',
    metavar: 'file',
    envAliases: ['KUBECONFIG'],
    description:
      'Kubeconfig for the API; unset: the first file of KUBECONFIG, then ~/.kube/config, then the in-cluster service account.',
  },
  fetchTimeoutMs: {
    group: C,
    type: 'integer',
    default: 2 * second,
    minimum: 100,
    maximum: 30 * second,
    description: 'Bound on a live lookup of a NAD that the caches do not have yet.',
  },
  namespace: {
    group: C,
    type: 'string',
    default: defaults.policyNamespace,
    metavar: 'name',
    envAliases: ['POD_NAMESPACE'],
    description: 'Namespace the webhook runs in; only policy ConfigMaps here count.',
  },
  policyLabel: {
    group: C,
    type: 'string',
    default: defaults.policyLabel,
    metavar: 'key',
    description: 'Label (value "true") that marks a ConfigMap as access policy.',
  },
  policyStore: {
    group: C,
    type: 'string',
    default: 'multinet-policy-last-good',
    metavar: 'name',
    description:
      'ConfigMap in --namespace where the webhook keeps the last valid content of each policy ConfigMap, so that one made invalid while it was down never opens access after a restart ("": not kept; such a ConfigMap then fails closed).',
  },
  agentUsers: {
    group: A,
    type: 'list',
    default: defaults.agent.users,
    description: 'User names that may write network-status (the agent).',
  },
  agentGroups: {
    group: A,
    type: 'list',
    default: defaults.agent.groups,
    description: 'Groups that may write network-status.',
  },
  agentServiceAccounts: {
    group: A,
    type: 'list',
    default: defaults.agent.serviceAccounts,
    metavar: 'ns/name,...',
    description: 'Service accounts that may write network-status.',
  },
  agentRequireSameNode: {
    group: A,
    type: 'boolean',
    default: defaults.agent.requireSameNode,
    description: 'An agent token that names a node may only write status of pods on that node.',
  },
  resourceNameKeys: {
    group: A,
    type: 'list',
    default: defaults.mutation.resourceNameKeys,
    description: 'NAD annotation keys whose value names an extended resource to request.',
  },
  honorExistingResources: {
    group: A,
    type: 'boolean',
    default: defaults.mutation.honorExistingResources,
    description: 'Add injected resource counts to what a container already requests.',
  },
  podnetinfo: {
    group: A,
    type: 'boolean',
    default: defaults.mutation.podnetinfo,
    description: 'Mount the podnetinfo downward-API volume at /etc/podnetinfo.',
  },
  hugepages: {
    group: A,
    type: 'boolean',
    default: defaults.mutation.hugepages,
    description: 'Add hugepage requests and limits to the podnetinfo volume.',
  },
  physicalNetworkLabelPrefix: {
    group: A,
    type: 'string',
    default: defaults.mutation.physicalNetworkLabelPrefix,
    metavar: 'prefix',
    description: 'Node label prefix the agent publishes for physical networks.',
  },
  logLevel: {
    group: L,
    type: 'string',
    default: 'info',
    enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'],
    description: 'Least severe log level written (decisions are logged at debug).',
  },
  shutdownTimeoutMs: {
    group: L,
    type: 'integer',
    default: 20 * second,
    minimum: 0,
    maximum: 600 * second,
    description:
      'On SIGTERM, how long in-flight requests may take to finish before connections are closed.',
  },
  dev: {
    group: L,
    type: 'boolean',
    default: false,
    description:
      'Development mode: create certs/ if missing, serve examples/state, listen on 127.0.0.1:8443 (probes 127.0.0.1:8081).',
  },
}

/** What `--dev` changes, where the user did not say otherwise (paths are relative to the cwd). */
export const devProfile: Profile<WebhookSettings> = (config) =>
  config.dev
    ? {
        bindAddress: '127.0.0.1',
        healthBindAddress: '127.0.0.1',
        tlsCertFile: 'certs/tls.crt',
        tlsKeyFile: 'certs/tls.key',
        stateDir: 'examples/state',
      }
    : {}

export function admissionOptionsOf(settings: WebhookSettings): AdmissionOptions {
  return Object.freeze({
    policyNamespace: settings.namespace,
    policyLabel: settings.policyLabel,
    agent: Object.freeze({
      users: settings.agentUsers,
      groups: settings.agentGroups,
      serviceAccounts: settings.agentServiceAccounts,
      requireSameNode: settings.agentRequireSameNode,
    }),
    mutation: Object.freeze({
      resourceNameKeys: settings.resourceNameKeys,
      honorExistingResources: settings.honorExistingResources,
      podnetinfo: settings.podnetinfo,
      hugepages: settings.hugepages,
      physicalNetworkLabelPrefix: settings.physicalNetworkLabelPrefix,
    }),
  })
}

/**
 * Rules that involve two options, which the per-option schema cannot express. Node refuses a
 * header deadline longer than the whole-request one, and two listeners cannot share a port.
 */
export function checkWebhookSettings(settings: WebhookSettings): void {
  const problems: string[] = []
  if (settings.headersTimeoutMs > settings.requestTimeoutMs) {
    problems.push(
      `headersTimeoutMs (${settings.headersTimeoutMs}) must not exceed requestTimeoutMs (${settings.requestTimeoutMs})`,
    )
  }
  if (settings.port !== 0 && settings.port === settings.healthPort) {
    problems.push(`port and healthPort must differ (both ${settings.port})`)
  }
  if (problems.length > 0) {
    throw new MultinetError('MN_ERR_CONFIG_INVALID', problems.join('; '), { details: { problems } })
  }
}
