import { MultinetError } from '../errors.js'
import { dns1123LabelProblem, labelKeyProblem } from '../spec/names.js'
import { isObject } from '../spec/object.js'
import type { OptionTable } from './define.js'

/** Every setting of `multinet agent`, flat, as flags, environment and config file name them. */
export interface AgentSettings {
  readonly nodeName: string
  readonly kubeconfig: string | undefined
  readonly socket: string
  readonly cniBinDirs: readonly string[]
  readonly cniConfDir: string
  readonly primaryConfig: string | undefined
  readonly nodeConfigName: string
  readonly stateDir: string
  readonly netConfDir: string
  readonly physicalNetworks: string
  readonly physicalNetworkLabelPrefix: string
  readonly physicalNetworkCheckIntervalMs: number
  readonly shimSource: string | undefined
  readonly healthPort: number
  readonly healthBindAddress: string
  readonly delegateTimeoutMs: number
  readonly maxConcurrent: number
  readonly maxQueued: number
  readonly podResourcesSocket: string
  readonly apiTimeoutMs: number
  readonly podWaitMs: number
  readonly configCheckIntervalMs: number
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'
  readonly shutdownTimeoutMs: number
}

const N = 'Node'
const C = 'CNI'
const P = 'Physical networks'
const H = 'Probes and metrics'
const K = 'Cluster'
const L = 'Process'
const second = 1000

export const AGENT_OPTIONS: OptionTable<AgentSettings> = {
  nodeName: {
    group: N,
    type: 'string',
    metavar: 'name',
    description:
      "This node's name (required; in a DaemonSet from the downward API spec.nodeName). Only pods on this node are watched.",
  },
  kubeconfig: {
    group: K,
    type: 'string',
    metavar: 'file',
    envAliases: ['KUBECONFIG'],
    description:
      'Kubeconfig for the API; unset: the first file of KUBECONFIG, then ~/.kube/config, then the in-cluster service account.',
  },
  apiTimeoutMs: {
    group: K,
    type: 'integer',
    default: 5 * second,
    minimum: 100,
    maximum: 60 * second,
    description: 'Bound on one direct API call (pod or NAD GET, status PATCH, node label PATCH).',
  },
  podWaitMs: {
    group: K,
    type: 'integer',
    default: 3 * second,
    minimum: 0,
    maximum: 60 * second,
    description:
      "On ADD, how long to wait for the pod to appear in this node's pod cache before one direct GET.",
  },
  socket: {
    group: N,
    type: 'string',
    default: '/run/multinet/agent.sock',
    metavar: 'path',
    description: 'Unix socket the shim talks to (directory 0700, socket 0600).',
  },
  cniBinDirs: {
    group: C,
    type: 'list',
    default: ['/opt/cni/bin'],
    metavar: 'dir,...',
    description:
      'Directories searched for delegate plugins, in order; the shim is installed into the first.',
  },
  cniConfDir: {
    group: C,
    type: 'string',
    default: '/etc/cni/net.d',
    metavar: 'dir',
    description: "The runtime's CNI config directory, where the node config is written.",
  },
  primaryConfig: {
    group: C,
    type: 'string',
    metavar: 'file',
    description:
      'Primary network config (.conf or .conflist); relative names are in --cni-conf-dir.',
    defaultText:
      'auto: the alphabetically first *.conf/*.conflist in --cni-conf-dir other than ours',
  },
  nodeConfigName: {
    group: C,
    type: 'string',
    default: '00-multinet.conflist',
    metavar: 'file',
    description:
      'Name of the conflist written into --cni-conf-dir; it sorts first so the runtime uses it.',
  },
  stateDir: {
    group: C,
    type: 'string',
    default: '/var/lib/multinet',
    metavar: 'dir',
    description:
      'Where attachment plans and delegate results are persisted (survives agent restarts; DEL reads it).',
  },
  netConfDir: {
    group: C,
    type: 'string',
    default: '/etc/cni/multinet/net.d',
    metavar: 'dir',
    description:
      'On-disk configs for NADs without spec.config, found by their CNI "name" (multi-net-spec §3.2.4).',
  },
  delegateTimeoutMs: {
    group: C,
    type: 'integer',
    default: 60 * second,
    minimum: 100,
    maximum: 600 * second,
    description: 'Kill a delegate plugin process after this long; the operation then fails.',
  },
  maxConcurrent: {
    group: C,
    type: 'integer',
    default: 16,
    minimum: 1,
    maximum: 1024,
    description:
      'CNI operations run at once (others wait in a queue); bounds memory under pod bursts.',
  },
  maxQueued: {
    group: C,
    type: 'integer',
    default: 1000,
    minimum: 1,
    maximum: 100000,
    description: 'Operations waiting beyond this are refused with CNI code 11 (try again later).',
  },
  podResourcesSocket: {
    group: C,
    type: 'string',
    default: '/var/lib/kubelet/pod-resources/kubelet.sock',
    metavar: 'path',
    description:
      "kubelet's pod-resources API, asked for device IDs when a NAD names a resource (k8s.v1.cni.cncf.io/resourceName).",
  },
  configCheckIntervalMs: {
    group: C,
    type: 'integer',
    default: 10 * second,
    minimum: 100,
    maximum: 3600 * second,
    description:
      'How often the primary config and the node config are re-checked besides file-system events.',
  },
  physicalNetworks: {
    group: P,
    type: 'string',
    default: '{}',
    metavar: 'json',
    description:
      'JSON object: physical network name -> host NIC on this node, e.g. {"phy-data":"eth1"}.',
  },
  physicalNetworkLabelPrefix: {
    group: P,
    type: 'string',
    default: 'physnet.multinet.io/',
    metavar: 'prefix',
    description:
      'Node label prefix for physical networks (label <prefix><name>=true); must match the webhook.',
  },
  physicalNetworkCheckIntervalMs: {
    group: P,
    type: 'integer',
    default: 30 * second,
    minimum: 100,
    maximum: 3600 * second,
    description: 'How often the NICs are re-checked and the node labels re-synced.',
  },
  shimSource: {
    group: N,
    type: 'string',
    metavar: 'file',
    description:
      'Shim binary installed atomically into the first --cni-bin-dirs entry as "multinet"; unset: not installed.',
  },
  healthPort: {
    group: H,
    type: 'integer',
    default: 8082,
    minimum: 0,
    maximum: 65535,
    description: 'Plain-HTTP port for /livez, /readyz and /metrics (0: any free port, logged).',
  },
  healthBindAddress: {
    group: H,
    type: 'string',
    default: '127.0.0.1',
    metavar: 'ip',
    description: 'Address the probe and metrics server listens on.',
  },
  logLevel: {
    group: L,
    type: 'string',
    default: 'info',
    enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'],
    description:
      'Least severe log level written (pod cache waits and retries are logged at debug).',
  },
  shutdownTimeoutMs: {
    group: L,
    type: 'integer',
    default: 20 * second,
    minimum: 0,
    maximum: 600 * second,
    description:
      'On SIGTERM, how long in-flight CNI operations may take to finish before the agent exits.',
  },
}

/** `--physical-networks` parsed: network name -> host NIC. */
export type PhysicalNetworkMap = Readonly<Record<string, string>>

/** Checks that the option table cannot express; returns the parsed physical network map. */
export function checkAgentSettings(settings: AgentSettings): PhysicalNetworkMap {
  const problems: string[] = []
  if (settings.nodeName === undefined) {
    problems.push('nodeName is required (--node-name or MULTINET_NODE_NAME)')
  }
  // sockaddr_un holds 108 bytes with the NUL; Node's bind fails with a bare EINVAL beyond that.
  if (Buffer.byteLength(settings.socket) > 107) {
    problems.push(
      `socket path is ${Buffer.byteLength(settings.socket)} bytes; a unix socket path must be at most 107`,
    )
  }
  if (settings.cniBinDirs.length === 0) problems.push('cniBinDirs must name at least one directory')
  if (!/^[^/]+\.conflist$/.test(settings.nodeConfigName)) {
    problems.push(
      `nodeConfigName ${JSON.stringify(settings.nodeConfigName)} must be a file name ending in .conflist`,
    )
  }
  const prefixProblem = labelKeyProblem(`${settings.physicalNetworkLabelPrefix}x`)
  if (!settings.physicalNetworkLabelPrefix.endsWith('/') || prefixProblem) {
    problems.push(
      `physicalNetworkLabelPrefix ${JSON.stringify(settings.physicalNetworkLabelPrefix)} must be a label key prefix ending in "/"${prefixProblem ? ` (${prefixProblem})` : ''}`,
    )
  }
  const map = parsePhysicalNetworks(settings.physicalNetworks, problems)
  if (problems.length > 0) {
    throw new MultinetError('MN_ERR_CONFIG_INVALID', problems.join('; '), { details: { problems } })
  }
  return map
}

/** NIC names as the kernel allows them (IFNAMSIZ 16 with the NUL; no '/', ':' or space). */
const NIC = /^[^/:\s]{1,15}$/

function parsePhysicalNetworks(text: string, problems: string[]): PhysicalNetworkMap {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    problems.push(`physicalNetworks is not JSON: ${(err as Error).message}`)
    return {}
  }
  if (!isObject(value)) {
    problems.push('physicalNetworks must be a JSON object {"<network>": "<nic>", ...}')
    return {}
  }
  const out: Record<string, string> = {}
  for (const [name, nic] of Object.entries(value)) {
    const nameProblem = dns1123LabelProblem(name)
    if (nameProblem) {
      problems.push(`physicalNetworks: network ${JSON.stringify(name)} ${nameProblem}`)
    } else if (typeof nic !== 'string' || !NIC.test(nic) || nic === '.' || nic === '..') {
      problems.push(
        `physicalNetworks.${name}: ${JSON.stringify(nic)} is not a network interface name`,
      )
    } else out[name] = nic
  }
  return Object.freeze(out)
}
