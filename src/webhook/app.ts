import { randomUUID } from 'node:crypto'
import type { Server } from 'node:https'
import { fastify, LogController, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { MultinetError } from '../errors.js'
import { parseJsonBody, sendError, toHttpError } from './http-errors.js'
import type { WebhookMetrics } from './metrics.js'
import { registerAdmissionRoutes, type ReviewHandler } from './routes.js'

export interface WebhookLimits {
  readonly bodyLimitBytes: number
  readonly headersTimeoutMs: number
  readonly requestTimeoutMs: number
  readonly keepAliveTimeoutMs: number
}

export interface WebhookAppDeps {
  readonly logger: Logger
  readonly handle: ReviewHandler
  readonly metrics: WebhookMetrics
  readonly limits: WebhookLimits
  readonly tls: {
    readonly minVersion: 'TLSv1.2' | 'TLSv1.3'
    /** Require and verify a client certificate (the CA itself arrives with the key pair). */
    readonly requireClientCert: boolean
  }
}

export type WebhookApp = FastifyInstance<Server>

/**
 * The HTTPS admission app, built but not listening and without a key pair: the certificate
 * source installs (and later replaces) it through `app.server.setSecureContext`, so that the
 * process can start, report not-ready, and begin serving once a pair appears.
 */
export function buildWebhookApp(deps: WebhookAppDeps): WebhookApp {
  const { limits } = deps
  const app = fastify({
    https: {
      minVersion: deps.tls.minVersion,
      requestCert: deps.tls.requireClientCert,
      rejectUnauthorized: deps.tls.requireClientCert,
      headersTimeout: limits.headersTimeoutMs,
      // Node checks header and request deadlines on this period (default 30 s, far too coarse).
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    loggerInstance: deps.logger,
    bodyLimit: limits.bodyLimitBytes,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // A client-sent request id would let callers forge log correlation; ours is always fresh.
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    // One line per request at info would drown the denials; outcomes are logged by the routes.
    logController: new LogController({ disableRequestLogging: true }),
    // While draining, a request that arrives on a kept-alive connection is still answered (with
    // `Connection: close`): a 503 would make the API server apply failurePolicy to a pod that
    // we could have admitted, and Go's client does not retry a POST.
    return503OnClosing: false,
  }) as unknown as WebhookApp

  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string))
    } catch (err) {
      done(err as MultinetError, undefined)
    }
  })

  // 'close' fires on every response, answered or aborted, so the gauge cannot leak.
  app.addHook('onRequest', async (_request, reply) => {
    reply.raw.once('close', deps.metrics.requestStarted())
  })

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id)
  })

  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new MultinetError('MN_ERR_HTTP_NOT_FOUND', `${request.method} ${request.url}`),
      deps.metrics,
    ),
  )

  app.setErrorHandler((err, request, reply) => {
    const httpError = toHttpError(err, request.id, limits.bodyLimitBytes)
    if (httpError.status >= 500) {
      request.log.error({ err, code: httpError.code, url: request.url }, 'request failed')
    } else {
      request.log.warn(
        { code: httpError.code, err: httpError.message, url: request.url },
        'bad request',
      )
    }
    return sendError(reply, httpError, deps.metrics)
  })

  registerAdmissionRoutes(app as unknown as FastifyInstance, deps.handle, deps.metrics)
  return app
}
