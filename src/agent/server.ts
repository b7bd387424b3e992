/**
 * The agent's side of protocol.ts: HTTP/1.1 on a unix socket (directory 0700, socket 0600, so
 * only root on the node reaches it), no keep-alive (each shim run is one request), bounded
 * bodies, every answer JSON. POST /cni runs one CNI operation through the queue; GET /readyz
 * says whether ADD can be served. A POST /cni sent with `expect: 100-continue` (the shim's ADD
 * and CHECK) is continued only when the agent is ready, else answered 503 at once: the shim's
 * readiness wait costs no round-trip of its own.
 */
import { chmod, lstat, mkdir, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { dirname } from 'node:path'
import type { Logger } from 'pino'
import { messageOf } from '../errors.js'
import { isObject } from '../spec/object.js'
import { CniError, isCniError } from './cni-error.js'
import type { AgentMetrics } from './metrics.js'
import { cniVersionOf, type CniOperation, type Operations } from './operations.js'
import {
  CNI_COMMANDS,
  CNI_ENV_KEYS,
  CNI_ERROR_CODES,
  CNI_ROUTE,
  READY_ROUTE,
  type CniCommand,
  type CniEnv,
} from './protocol.js'
import { OperationQueue, QueueFullError } from './queue.js'

/** A CNI config with an embedded prevResult and a GC list stays far below this. */
export const MAX_BODY_BYTES = 1024 * 1024

const COMMANDS = CNI_COMMANDS
const ENV_KEYS = CNI_ENV_KEYS

export interface SocketServerDeps {
  readonly socketPath: string
  readonly operations: Operations
  readonly queue: OperationQueue
  readonly metrics: AgentMetrics
  readonly logger: Logger
  /** Why ADD cannot be served now, or undefined when ready. */
  readonly notReady: () => string | undefined
}

export interface RunningSocketServer {
  readonly server: Server
  /** Stop accepting; resolves when in-flight requests are answered or `timeoutMs` passed. */
  close(timeoutMs: number): Promise<void>
}

export async function startSocketServer(deps: SocketServerDeps): Promise<RunningSocketServer> {
  const dir = dirname(deps.socketPath)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  await chmod(dir, 0o700)
  // A socket left by a killed agent refuses the bind; anything else at that path is not ours.
  const existing = await lstat(deps.socketPath).catch(() => undefined)
  if (existing?.isSocket()) await rm(deps.socketPath)
  let inFlight = 0
  let drained: (() => void) | undefined
  const serve = (req: IncomingMessage, res: ServerResponse, refuse?: string): void => {
    inFlight++
    res.on('close', () => {
      if (--inFlight === 0) drained?.()
    })
    if (refuse !== undefined) {
      return send(res, 503, {
        cniVersion: '1.0.0',
        code: CNI_ERROR_CODES.tryAgainLater,
        msg: `agent not ready: ${refuse}`,
      })
    }
    handle(deps, req, res).catch((err: unknown) => {
      deps.logger.error({ err: messageOf(err) }, 'socket request failed unexpectedly')
      if (!res.headersSent) send(res, 500, errorBody('1.0.0', err))
    })
  }
  const server = createServer(serve)
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const why = isCniPost(req) ? deps.notReady() : undefined
    // Refused before the body is sent: the shim knows the operation did not start.
    if (why !== undefined) return serve(req, res, why)
    res.writeContinue()
    serve(req, res)
  })
  server.keepAliveTimeout = 0
  server.headersTimeout = 10_000
  server.requestTimeout = 0 // an ADD may legitimately run as long as its delegates do
  const previousMask = process.umask(0o177)
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(deps.socketPath, () => {
        server.off('error', reject)
        resolve()
      })
    })
  } finally {
    process.umask(previousMask)
  }
  await chmod(deps.socketPath, 0o600)
  deps.logger.info({ socket: deps.socketPath }, 'agent socket listening')
  return {
    server,
    close: async (timeoutMs) => {
      server.close()
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, timeoutMs)
          drained = () => {
            clearTimeout(timer)
            resolve()
          }
        })
      }
      server.closeAllConnections()
      await rm(deps.socketPath, { force: true })
    },
  }
}

function isCniPost(req: IncomingMessage): boolean {
  return req.method === 'POST' && (req.url ?? '/').split('?')[0] === CNI_ROUTE
}

async function handle(
  deps: SocketServerDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]
  if (path === READY_ROUTE && req.method === 'GET') {
    const why = deps.notReady()
    return send(res, why === undefined ? 200 : 503, { ready: why === undefined, reason: why })
  }
  if (path !== CNI_ROUTE || req.method !== 'POST') {
    return send(res, 404, {
      cniVersion: '1.0.0',
      code: CNI_ERROR_CODES.invalidEnv,
      msg: `no route ${req.method} ${path} (POST ${CNI_ROUTE}, GET ${READY_ROUTE})`,
    })
  }
  let op: CniOperation
  try {
    op = parseRequest(await readBody(req))
  } catch (err) {
    return send(res, 400, errorBody('1.0.0', err))
  }
  const command = op.env.CNI_COMMAND
  const cniVersion = cniVersionOf(op.config)
  const done = deps.metrics.operationStarted(command)
  try {
    const result = await run(deps, op)
    done(true)
    return send(res, 200, { result })
  } catch (err) {
    done(false)
    const body = errorBody(cniVersion, err)
    deps.logger.warn(
      { command, containerId: op.env.CNI_CONTAINERID, code: body.code, msg: body.msg },
      'CNI operation failed',
    )
    return send(res, statusFor(body.code), body)
  }
}

async function run(
  deps: SocketServerDeps,
  op: CniOperation,
): Promise<Record<string, unknown> | null> {
  const ops = deps.operations
  const command = op.env.CNI_COMMAND
  if (command === 'VERSION') {
    // The shim answers VERSION itself; a direct caller still gets a correct answer.
    return {
      cniVersion: cniVersionOf(op.config),
      supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'],
    }
  }
  if (command === 'ADD') {
    const why = deps.notReady()
    if (why !== undefined) {
      throw new CniError(CNI_ERROR_CODES.tryAgainLater, `agent not ready: ${why}`)
    }
  }
  const key = op.env.CNI_CONTAINERID ?? `*${command}`
  try {
    switch (command) {
      case 'ADD':
        return await deps.queue.run(key, () => ops.add(op))
      case 'DEL':
        await deps.queue.run(key, () => ops.del(op))
        return null
      case 'CHECK':
        await deps.queue.run(key, () => ops.check(op))
        return null
      case 'STATUS':
        await ops.status()
        return null
      case 'GC':
        await deps.queue.run('*GC', () => ops.gc(op))
        return null
    }
  } catch (err) {
    if (err instanceof QueueFullError) {
      throw new CniError(
        CNI_ERROR_CODES.tryAgainLater,
        `agent busy: ${err.queued} operations already queued`,
      )
    }
    throw err
  }
  return null
}

function parseRequest(text: string): CniOperation {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch (err) {
    throw new CniError(CNI_ERROR_CODES.decodeFailure, `request is not JSON: ${messageOf(err)}`)
  }
  if (!isObject(body) || !isObject(body.env) || !isObject(body.config)) {
    throw new CniError(
      CNI_ERROR_CODES.decodeFailure,
      'request must be {"env": {...}, "config": {...}} (protocol.ts CniRequest)',
    )
  }
  const env: Record<string, string> = {}
  for (const key of ENV_KEYS) {
    const v = body.env[key]
    if (v === undefined) continue
    if (typeof v !== 'string') {
      throw new CniError(CNI_ERROR_CODES.invalidEnv, `env ${key} must be a string`)
    }
    env[key] = v
  }
  const command = env.CNI_COMMAND
  if (!COMMANDS.includes(command as CniCommand)) {
    throw new CniError(
      CNI_ERROR_CODES.invalidEnv,
      `CNI_COMMAND ${JSON.stringify(command ?? null)} is not one of ${COMMANDS.join(', ')}`,
    )
  }
  return { env: env as unknown as CniEnv, config: body.config }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        reject(
          new CniError(
            CNI_ERROR_CODES.decodeFailure,
            `request body larger than ${MAX_BODY_BYTES} bytes`,
          ),
        )
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function errorBody(cniVersion: string, err: unknown) {
  if (isCniError(err)) return err.body(cniVersion)
  return { cniVersion, code: CNI_ERROR_CODES.ioFailure, msg: `agent error: ${messageOf(err)}` }
}

function statusFor(code: number): number {
  if (code === CNI_ERROR_CODES.tryAgainLater || code === CNI_ERROR_CODES.agentUnavailable) {
    return 503
  }
  if (code >= 4 && code <= 7) return 400
  return 500
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    connection: 'close',
  })
  res.end(text)
}
