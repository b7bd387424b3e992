/**
 * The node agent assembled: node pod cache, node CNI config, shim install, physical-network
 * labels, the unix-socket server and the probe/metrics server. `startAgent` resolves once the
 * socket and the probe port listen; readiness (pod cache synced + node config written) follows.
 * `shutdown` turns readiness off first, lets in-flight CNI operations finish (bounded), then
 * stops everything. The node config file stays: deleting it would let pods start without their
 * networks while the agent restarts (Multus #1527); the shim waits for readiness instead.
 */
import type { KubeConfig } from '@kubernetes/client-node'
import { mkdir } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import { nadGetter, onDiskConfig } from '../cluster/nad-configs.js'
import { nodeLabelClient } from '../cluster/node-labels.js'
import { NodePods } from '../cluster/node-pods.js'
import { podEventRecorder } from '../cluster/pod-events.js'
import { PodStatusWriter } from '../cluster/pod-status-writer.js'
import type { ReflectorOptions } from '../cluster/reflector.js'
import type { AgentSettings, PhysicalNetworkMap } from '../config/agent-options.js'
import { messageOf } from '../errors.js'
import { buildHealthApp, type ReadinessCheck } from '../webhook/health-app.js'
import { sharedConnections } from '../cluster/api-connections.js'
import { createCniClient, parseNetworkConfig } from './cni/index.js'
import type { CniClient } from './cni/types.js'
import { nsenterIp, type RouteRunner } from './default-route.js'
import { AgentMetrics } from './metrics.js'
import { installShim, NodeConfig } from './node-config.js'
import { Operations } from './operations.js'
import { PhysicalNetworkSync } from './physical-networks.js'
import { PlanStore } from './plan-store.js'
import { podDeviceIds } from './pod-resources.js'
import { OperationQueue } from './queue.js'
import { startSocketServer, type RunningSocketServer } from './server.js'

export interface AgentDeps {
  readonly settings: AgentSettings
  readonly physicalNetworks: PhysicalNetworkMap
  readonly kubeConfig: KubeConfig
  readonly logger: Logger
  /** Tests substitute their own client; default: our libcni. */
  readonly cni?: CniClient
  readonly routes?: RouteRunner
  readonly defaultMetrics?: boolean
  /** Reflector tuning (tests shorten backoffs). */
  readonly reflector?: Partial<Omit<ReflectorOptions, 'watcher' | 'logger' | 'onChange'>>
  /** /sys/class/net replacement (tests). */
  readonly sysClassNet?: string
}

export interface RunningAgent {
  readonly healthPort: number
  readonly metrics: AgentMetrics
  readonly nodeConfig: NodeConfig
  readonly pods: NodePods
  readonly physicalNetworks: PhysicalNetworkSync
  /** Why ADD cannot be served now, or undefined. */
  notReady(): string | undefined
  shutdown(reason: string): Promise<void>
}

export async function startAgent(deps: AgentDeps): Promise<RunningAgent> {
  const { settings } = deps
  // Every API client of the agent keeps its connections (a new TLS handshake per request was
  // most of the network-status write on ADD).
  const api = sharedConnections(deps.kubeConfig)
  const kc = api.kubeConfig
  const logger = deps.logger
  const nodeName = settings.nodeName
  await mkdir(settings.stateDir, { recursive: true, mode: 0o700 })
  const store = new PlanStore(settings.stateDir)
  await store.init()

  if (settings.shimSource !== undefined) {
    const target = await installShim(settings.shimSource, settings.cniBinDirs[0]!)
    logger.info({ source: settings.shimSource, target }, 'shim installed')
  }

  const pods = new NodePods({
    kubeConfig: kc,
    nodeName,
    logger,
    waitMs: settings.podWaitMs,
    apiTimeoutMs: settings.apiTimeoutMs,
    ...(deps.reflector && { reflector: deps.reflector }),
  })
  const queue = new OperationQueue(settings.maxConcurrent, settings.maxQueued)
  const metrics = new AgentMetrics({
    queue: () => ({ active: queue.active, queued: queue.queued }),
    podCache: () => pods.health(),
    defaultMetrics: deps.defaultMetrics ?? false,
  })
  const nodeConfig = new NodeConfig({
    confDir: settings.cniConfDir,
    primaryConfig: settings.primaryConfig,
    nodeConfigName: settings.nodeConfigName,
    socket: settings.socket,
    checkIntervalMs: settings.configCheckIntervalMs,
    logger: logger.child({ component: 'node-config' }),
  })
  const physicalNetworks = new PhysicalNetworkSync({
    networks: deps.physicalNetworks,
    prefix: settings.physicalNetworkLabelPrefix,
    client: nodeLabelClient(kc, nodeName, settings.apiTimeoutMs),
    intervalMs: settings.physicalNetworkCheckIntervalMs,
    logger: logger.child({ component: 'physical-networks' }),
    metrics,
    ...(deps.sysClassNet !== undefined && { sysClassNet: deps.sysClassNet }),
  })
  const shuttingDown = new AbortController()
  const abortDelegates = new AbortController()
  const getNad = nadGetter(kc, settings.apiTimeoutMs)
  const operations = new Operations({
    cni: deps.cni ?? createCniClient(),
    toList: (config) => parseNetworkConfig(config),
    store,
    pods,
    sources: {
      getNad,
      onDiskConfig: (name) => onDiskConfig(settings.netConfDir, name),
      deviceIds: (ns, name, resource) =>
        podDeviceIds(settings.podResourcesSocket, settings.apiTimeoutMs, ns, name, resource),
      physicalNetworks: deps.physicalNetworks,
    },
    status: new PodStatusWriter({
      kubeConfig: kc,
      timeoutMs: settings.apiTimeoutMs,
      logger: logger.child({ component: 'status-writer' }),
    }),
    events: podEventRecorder(kc, nodeName, settings.apiTimeoutMs, logger),
    primary: nodeConfig,
    binDirs: settings.cniBinDirs,
    delegateTimeoutMs: settings.delegateTimeoutMs,
    routes: deps.routes ?? nsenterIp,
    logger: logger.child({ component: 'cni' }),
    metrics,
    signal: abortDelegates.signal,
  })

  const notReady = (): string | undefined => {
    if (shuttingDown.signal.aborted) return 'shutting down'
    const problems = [
      pods.isSynced() ? undefined : (pods.problem() ?? 'pod cache not synced'),
      nodeConfig.problem(),
    ].filter((p): p is string => p !== undefined)
    return problems.length === 0 ? undefined : problems.join('; ')
  }

  pods.start()
  await nodeConfig.start()
  physicalNetworks.start()
  let socket: RunningSocketServer | undefined
  const health = buildHealthApp({
    logger: logger.child({ component: 'health' }),
    registry: metrics.registry,
    readiness: (): ReadinessCheck[] => [
      {
        name: 'pod-cache',
        ok: pods.isSynced() && !shuttingDown.signal.aborted,
        detail: shuttingDown.signal.aborted
          ? 'shutting down'
          : (pods.problem() ?? `${pods.health().size} pods of node ${nodeName}`),
      },
      {
        name: 'node-config',
        ok: nodeConfig.problem() === undefined,
        detail: nodeConfig.problem() ?? `${nodeConfig.path} wraps ${nodeConfig.describe()}`,
      },
    ],
  })
  try {
    socket = await startSocketServer({
      socketPath: settings.socket,
      operations,
      queue,
      metrics,
      logger,
      notReady,
    })
    await health.listen({ port: settings.healthPort, host: settings.healthBindAddress })
  } catch (err) {
    pods.stop()
    nodeConfig.stop()
    physicalNetworks.stop()
    await socket?.close(0)
    await health.close()
    await api.close()
    throw err
  }
  const healthPort = (health.server.address() as AddressInfo).port
  logger.info(
    { node: nodeName, socket: settings.socket, healthPort, stateDir: settings.stateDir },
    'agent started',
  )
  let stopped: Promise<void> | undefined
  return {
    healthPort,
    metrics,
    nodeConfig,
    pods,
    physicalNetworks,
    notReady,
    shutdown: (reason) => {
      stopped ??= (async () => {
        logger.info({ reason }, 'agent shutting down: readiness off, finishing in-flight work')
        shuttingDown.abort()
        await socket!.close(settings.shutdownTimeoutMs)
        abortDelegates.abort()
        pods.stop()
        nodeConfig.stop()
        physicalNetworks.stop()
        await health.close().catch((err: unknown) => logger.warn({ err: messageOf(err) }))
        await api.close()
        logger.info('agent stopped')
      })()
      return stopped
    },
  }
}
