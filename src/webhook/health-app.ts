import { fastify, LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'

/** Each check that gates readiness, with what is missing when it fails. */
export interface ReadinessCheck {
  readonly name: string
  readonly ok: boolean
  /** Why it is not ready (or a short note when it is). */
  readonly detail: string
}

export interface HealthAppDeps {
  readonly logger: Logger
  readonly registry: Registry
  readonly readiness: () => readonly ReadinessCheck[]
}

/**
 * Probes and metrics on their own plain-HTTP port: the kubelet and Prometheus need no TLS
 * trust, and a certificate problem on the webhook port cannot make the pod look dead.
 */
export function buildHealthApp(deps: HealthAppDeps): FastifyInstance {
  const app = fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
  })

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
      message: `no route ${request.method} ${request.url} (probes: /livez, /readyz, /metrics)`,
    }),
  )
  return app
}
