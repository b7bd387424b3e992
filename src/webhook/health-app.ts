import { fastify, LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { MAX_ECHO_CHARS, truncate } from '../spec/limits.js'

/** Each check that gates readiness, with what is missing when it fails. */
export interface ReadinessCheck {
  readonly name: string
  readonly ok: boolean
  /** Why it is not ready (or a short note when it is). */
  readonly detail: string
}

export interface HealthLimits {
  readonly headersTimeoutMs: number
  readonly requestTimeoutMs: number
  readonly keepAliveTimeoutMs: number
  readonly maxConnections: number
}

/**
 * Probes and scrapes are tiny GETs from a handful of clients: a client that takes more than a
 * few seconds to send its headers is not a kubelet, and 64 connections leave room for every
 * probe and scraper there is.
 */
export const DEFAULT_HEALTH_LIMITS: HealthLimits = Object.freeze({
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 30_000,
  maxConnections: 64,
})

export interface HealthAppDeps {
  readonly logger: Logger
  readonly registry: Registry
  readonly readiness: () => readonly ReadinessCheck[]
  readonly limits?: HealthLimits
}

/**
 * Probes and metrics on their own plain-HTTP port: the kubelet and Prometheus need no TLS
 * trust, and a certificate problem on the webhook port cannot make the pod look dead.
 */
export function buildHealthApp(deps: HealthAppDeps): FastifyInstance {
  const limits = deps.limits ?? DEFAULT_HEALTH_LIMITS
  const app = fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // Without these a slow-loris client held the probe port for 60 s (Node's defaults).
    http: {
      headersTimeout: limits.headersTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Probes have no body; anything sent is refused long before it costs memory.
    bodyLimit: 1024,
  })
  app.server.maxConnections = limits.maxConnections

  // Liveness only says the event loop answers: restarting cannot fix a missing certificate or
  // an unreachable API server, so those belong to readiness.
  app.get('/livez', async () => ({ live: true }))

  app.get('/readyz', async (_request, reply) => {
    const checks = deps.readiness()
    const missing = checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`)
    return reply.code(missing.length === 0 ? 200 : 503).send({
      ready: missing.length === 0,
      missing,
      checks,
    })
  })

  app.get('/metrics', async (_request, reply) => {
    const text = await deps.registry.metrics()
    return reply.type(deps.registry.contentType).send(text)
  })

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      code: 'MN_ERR_HTTP_NOT_FOUND',
      message: `no route ${request.method} ${truncate(request.url, MAX_ECHO_CHARS)} (probes: /livez, /readyz, /metrics)`,
    }),
  )
  return app
}
