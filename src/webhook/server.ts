import type { IncomingMessage, ServerResponse } from 'node:http'
import { Server as NetServer, type AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import type { SyncStatus } from '../admission/state.js'
import type { StateStats } from '../cluster/source.js'
import { CertSource } from '../tls/cert-source.js'
import { buildWebhookApp, type WebhookLimits } from './app.js'
import { buildHealthApp, DEFAULT_HEALTH_LIMITS, type ReadinessCheck } from './health-app.js'
import { WebhookMetrics } from './metrics.js'
import type { ReviewHandler } from './routes.js'

export interface ServerSettings extends WebhookLimits {
  readonly port: number
  readonly bindAddress: string
  readonly healthPort: number
  readonly healthBindAddress: string
  readonly tlsCertFile: string
  readonly tlsKeyFile: string
  readonly tlsMinVersion: 'TLSv1.2' | 'TLSv1.3'
  /** Default: DEFAULT_TLS_CIPHERS. */
  readonly tlsCiphers?: string
  readonly clientCaFile: string | undefined
  readonly certReloadIntervalMs: number
  readonly shutdownTimeoutMs: number
}

export interface WebhookServerDeps {
  readonly settings: ServerSettings
  readonly logger: Logger
  readonly handle: ReviewHandler
  readonly state: { sync(): SyncStatus; stats(): StateStats }
  readonly defaultMetrics?: boolean
}

export interface RunningWebhook {
  /** Bound ports (useful when the settings asked for port 0). */
  readonly port: number
  readonly healthPort: number
  readonly certs: CertSource
  readonly metrics: WebhookMetrics
  /** Stop accepting, let in-flight requests finish (bounded), close both servers; idempotent. */
  shutdown(reason: string): Promise<void>
}

/** Builds both apps, loads the key pair (or starts retrying), and listens on both ports. */
export async function startWebhookServer(deps: WebhookServerDeps): Promise<RunningWebhook> {
  const { settings, logger, state } = deps
  const metrics = new WebhookMetrics({
    stats: () => state.stats(),
    defaultMetrics: deps.defaultMetrics ?? false,
  })
  const app = buildWebhookApp({
    logger,
    handle: deps.handle,
    metrics,
    limits: settings,
    tls: {
      minVersion: settings.tlsMinVersion,
      requireClientCert: settings.clientCaFile !== undefined,
      ciphers: settings.tlsCiphers,
    },
  })
  const certs = new CertSource(app.server, {
    certFile: settings.tlsCertFile,
    keyFile: settings.tlsKeyFile,
    clientCaFile: settings.clientCaFile,
    minVersion: settings.tlsMinVersion,
    intervalMs: settings.certReloadIntervalMs,
    logger,
    events: metrics,
  })
  let shuttingDown = false
  // While draining, every answer closes its connection, so a client drops a kept-alive
  // connection after its next request instead of reusing one that we close under it: Go's
  // client does not retry a POST that met a closed connection (test/e2e/faults.test.ts).
  app.server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    if (shuttingDown) res.shouldKeepAlive = false
  })
  const readiness = (): ReadinessCheck[] => {
    const cert = certs.status()
    const sync = state.sync()
    return [
      {
        name: 'certificate',
        ok: cert.loaded,
        detail: cert.loaded
          ? `serving ${cert.subject} until ${cert.notAfter?.toISOString()}`
          : (cert.lastError ?? 'not loaded yet'),
      },
      {
        name: 'cluster',
        ok: sync.synced,
        detail: [sync.synced ? 'caches synced' : 'caches not synced yet', ...sync.problems].join(
          '; ',
        ),
      },
      { name: 'process', ok: !shuttingDown, detail: shuttingDown ? 'shutting down' : 'serving' },
    ]
  }
  const health = buildHealthApp({
    logger,
    registry: metrics.registry,
    readiness,
    limits: {
      headersTimeoutMs: settings.headersTimeoutMs,
      requestTimeoutMs: settings.requestTimeoutMs,
      keepAliveTimeoutMs: DEFAULT_HEALTH_LIMITS.keepAliveTimeoutMs,
      maxConnections: DEFAULT_HEALTH_LIMITS.maxConnections,
    },
  })

  await certs.start()
  try {
    await app.listen({ port: settings.port, host: settings.bindAddress })
    await health.listen({ port: settings.healthPort, host: settings.healthBindAddress })
  } catch (err) {
    certs.stop()
    await Promise.allSettled([app.close(), health.close()])
    throw err
  }
  const port = (app.server.address() as AddressInfo).port
  const healthPort = (health.server.address() as AddressInfo).port
  logger.info(
    { port, bindAddress: settings.bindAddress, healthPort, certLoaded: certs.status().loaded },
    'webhook listening',
  )

  let closing: Promise<void> | undefined
  const shutdown = (reason: string): Promise<void> => {
    closing ??= (async () => {
      shuttingDown = true
      logger.info(
        { reason, graceMs: settings.shutdownTimeoutMs },
        'shutting down: draining requests',
      )
      certs.stop()
      const deadline = setTimeout(() => {
        logger.warn(
          { graceMs: settings.shutdownTimeoutMs },
          'drain deadline reached: closing connections',
        )
        app.server.closeAllConnections()
      }, settings.shutdownTimeoutMs)
      try {
        // Stop accepting, but leave open connections alone (http.Server.close would close the
        // idle ones at once): each closes after its next answer, its idle timeout, or the deadline.
        await new Promise<void>((resolve) =>
          NetServer.prototype.close.call(app.server, () => resolve()),
        )
        await app.close()
      } finally {
        clearTimeout(deadline)
      }
      await health.close()
      logger.info({ reason }, 'shutdown complete')
    })()
    return closing
  }
  return { port, healthPort, certs, metrics, shutdown }
}
