import { randomUUID } from 'node:crypto'
import type { Server } from 'node:https'
import type { Socket } from 'node:net'
import type { SecureVersion, TLSSocket } from 'node:tls'
import { fastify, LogController, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { MultinetError } from '../errors.js'
import { echo, parseJsonBody, sendError, toHttpError } from './http-errors.js'
import type { WebhookMetrics } from './metrics.js'
import { registerAdmissionRoutes, type ReviewHandler } from './routes.js'
import { DEFAULT_TLS_CIPHERS } from './tls-policy.js'

export { DEFAULT_TLS_CIPHERS }

export interface WebhookLimits {
  readonly bodyLimitBytes: number
  readonly headersTimeoutMs: number
  readonly requestTimeoutMs: number
  readonly keepAliveTimeoutMs: number
  /** From accept to a finished TLS handshake; a socket that never says hello is closed. */
  readonly tlsHandshakeTimeoutMs: number
  /** Open connections at once; more are closed at accept. */
  readonly maxConnections: number
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
    /** OpenSSL cipher list (TLS 1.2 names and TLS 1.3 `TLS_*` suites); default DEFAULT_TLS_CIPHERS. */
    readonly ciphers?: string
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
  const ciphers = deps.tls.ciphers ?? DEFAULT_TLS_CIPHERS
  const app = fastify({
    https: {
      minVersion: deps.tls.minVersion,
      ciphers,
      requestCert: deps.tls.requireClientCert,
      rejectUnauthorized: deps.tls.requireClientCert,
      headersTimeout: limits.headersTimeoutMs,
      // Node checks header and request deadlines on this period (default 30 s, far too coarse).
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
      // Node's own handshake timer is an idle timer, and its default is 120 s; ours is absolute
      // (see limitConnections), this one only backs it up.
      handshakeTimeout: limits.tlsHandshakeTimeoutMs,
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

  keepTlsPolicy(app.server, deps.tls.minVersion, ciphers)
  limitConnections(app.server, limits)

  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string))
    } catch (err) {
      done(err as MultinetError, undefined)
    }
  })

  // 'close' fires on every response, answered or aborted, so the gauge cannot leak. Hooks on
  // the request path take a callback rather than being async: an async hook costs a promise
  // and a microtask turn per request (bench/profile.ts).
  app.addHook('onRequest', (request, reply, done) => {
    reply.raw.once('close', deps.metrics.requestStarted())
    // Set before any answer is written, so every answer (errors included) carries it.
    reply.header('x-request-id', request.id)
    done()
  })

  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new MultinetError('MN_ERR_HTTP_NOT_FOUND', `${request.method} ${echo(request.url)}`),
      deps.metrics,
    ),
  )

  app.setErrorHandler((err, request, reply) => {
    const httpError = toHttpError(err, request.id, limits.bodyLimitBytes)
    if (httpError.status >= 500) {
      request.log.error({ err, code: httpError.code, url: echo(request.url) }, 'request failed')
    } else {
      request.log.warn(
        { code: httpError.code, err: httpError.message, url: echo(request.url) },
        'bad request',
      )
    }
    return sendError(reply, httpError, deps.metrics)
  })

  registerAdmissionRoutes(app as unknown as FastifyInstance, deps.handle, deps.metrics)
  return app
}

/**
 * `setSecureContext` (how a rotated key pair is installed) resets every TLS option it is not
 * given, ciphers included: a reload would quietly bring back Node's defaults, CBC suites and
 * all. Every context this server ever gets carries the configured policy.
 */
function keepTlsPolicy(server: Server, minVersion: string, ciphers: string): void {
  const install = server.setSecureContext.bind(server)
  server.setSecureContext = (options) =>
    install({ ...options, minVersion: minVersion as SecureVersion, ciphers })
}

/**
 * The connection cap, and an absolute handshake deadline: a TCP connection that has not
 * finished its TLS handshake in time is closed, however slowly it trickles bytes (Node's
 * handshake timer restarts on every byte).
 */
function limitConnections(server: Server, limits: WebhookLimits): void {
  server.maxConnections = limits.maxConnections
  // Keyed by the peer's address and port: unique among live connections to one listener.
  const pending = new Map<string, NodeJS.Timeout>()
  const key = (s: Socket): string => `${s.remoteAddress}|${s.remotePort}`
  server.on('connection', (socket: Socket) => {
    const id = key(socket)
    const timer = setTimeout(() => socket.destroy(), limits.tlsHandshakeTimeoutMs)
    timer.unref()
    pending.set(id, timer)
    socket.once('close', () => {
      clearTimeout(timer)
      if (pending.get(id) === timer) pending.delete(id)
    })
  })
  server.on('secureConnection', (tlsSocket: TLSSocket) => {
    const id = key(tlsSocket)
    clearTimeout(pending.get(id))
    pending.delete(id)
  })
}
