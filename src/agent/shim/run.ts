/**
 * The CNI shim: what the container runtime executes for every pod sandbox. It answers VERSION
 * itself and forwards everything else to the node agent over its unix socket. It imports only
 * node built-ins and the protocol, so that it starts fast, also as a single executable.
 *
 * ADD and CHECK wait for the agent to be ready without a round-trip of their own: the request
 * goes out with `expect: 100-continue`, the agent answers `100 Continue` only when it is ready
 * (else 503 before the body is sent), and a refusal, an absent socket or an agent that does not
 * answer within the probe timeout is retried with backoff until `readyTimeoutMs`.
 */
import type { Readable, Writable } from 'node:stream'
import {
  CNI_COMMANDS,
  CNI_ENV_KEYS,
  CNI_ERROR_CODES,
  CNI_ROUTE,
  CNI_VERSIONS,
  DEFAULT_AGENT_SOCKET,
  type CniCommand,
  type CniEnv,
  type CniErrorBody,
  type CniRequest,
} from '../protocol.js'
import { NotSent, ProbeTimeout, agentRequest, type AgentReply } from './http.js'

export const DEFAULT_READY_TIMEOUT_MS = 30_000
export const DEFAULT_DEADLINE_MS = 100_000
/** The shim answers VERSION with the newest version it speaks. */
const CURRENT_VERSION: string = CNI_VERSIONS[CNI_VERSIONS.length - 1]!
const COMMANDS = CNI_COMMANDS
/** The spec's variables: nothing else of the runtime's environment reaches the agent. */
const FORWARDED = CNI_ENV_KEYS
/** A network configuration is a few KiB; a runaway writer must not grow the shim. */
const STDIN_CAP = 4 * 1024 * 1024
/** Readiness polling: first retry soon (agent restarting), then back off to this. */
const POLL_FIRST_MS = 50
const POLL_MAX_MS = 1000
/** The agent's `100 Continue` (or refusal) comes within this (a wedged agent is a failed probe). */
const PROBE_TIMEOUT_MS = 2000
/** ...and never less than this, even at the very end of the wait. */
const PROBE_MIN_MS = 250
/** CNI STATUS code for "plugin not available" (spec 1.1.0). */
const STATUS_NOT_AVAILABLE = 50

export interface ShimIo {
  readonly stdin: Readable
  readonly stdout: Writable
  readonly env: Readonly<Record<string, string | undefined>>
}

export interface ShimSettings {
  readonly socket: string
  readonly readyTimeoutMs: number
  readonly deadlineMs: number
}

/** A failure the shim reports as a CNI error on stdout (exit 1). */
class ShimFailure extends Error {
  constructor(
    readonly code: number,
    msg: string,
    readonly details?: string,
  ) {
    super(msg)
  }
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
    size += b.length
    if (size > STDIN_CAP) {
      throw new ShimFailure(
        CNI_ERROR_CODES.decodeFailure,
        `network configuration on stdin larger than ${STDIN_CAP} bytes`,
      )
    }
    chunks.push(b)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function positiveMs(config: Record<string, unknown>, key: string, fallback: number): number {
  const v = config[key]
  if (v === undefined) return fallback
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new ShimFailure(
      CNI_ERROR_CODES.invalidConfig,
      `invalid multinet shim config: ${key} must be a positive integer (ms), got ${JSON.stringify(v)}`,
    )
  }
  return v
}

/** The shim's own keys of its plugin entry (`ShimConf`), with defaults. */
export function shimSettings(config: Record<string, unknown>): ShimSettings {
  const socket = config.socket ?? DEFAULT_AGENT_SOCKET
  if (typeof socket !== 'string' || !socket.startsWith('/')) {
    throw new ShimFailure(
      CNI_ERROR_CODES.invalidConfig,
      `invalid multinet shim config: socket must be an absolute path, got ${JSON.stringify(socket)}`,
    )
  }
  return {
    socket,
    readyTimeoutMs: positiveMs(config, 'readyTimeoutMs', DEFAULT_READY_TIMEOUT_MS),
    deadlineMs: positiveMs(config, 'deadlineMs', DEFAULT_DEADLINE_MS),
  }
}

/** Only the CNI_* variables of the spec, and only those set. */
export function forwardedEnv(env: ShimIo['env'], command: CniCommand): CniEnv {
  const out: Record<string, string> = {}
  for (const key of FORWARDED) {
    const v = env[key]
    if (v !== undefined) out[key] = v
  }
  return { ...out, CNI_COMMAND: command }
}

function errorText(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown }
  const msg = typeof e?.message === 'string' ? e.message : String(err)
  return typeof e?.code === 'string' && !msg.includes(e.code) ? `${e.code}: ${msg}` : msg
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })
}

const hint = (socket: string) => `is multinet-agent running on this node? socket ${socket}`

/**
 * Sends an ADD or CHECK once the agent is ready: each attempt carries `expect: 100-continue`, so
 * a not-ready agent refuses it before the body is sent (a 503), and one that is absent or does
 * not answer within the probe timeout never got it; those are retried with backoff until
 * `readyTimeoutMs` or the deadline. The failure names the agent's last real answer (503 and
 * why) rather than a probe cut short at the end of the wait. An attempt whose body was sent is
 * not repeated: its answer, or the lost connection, is the outcome.
 */
async function sendWhenReady(s: ShimSettings, payload: string, signal: AbortSignal) {
  const until = Date.now() + s.readyTimeoutMs
  let pause = POLL_FIRST_MS
  let last = ''
  let answered = false
  for (;;) {
    const left = until - Date.now()
    try {
      const reply = await agentRequest({
        socketPath: s.socket,
        method: 'POST',
        path: CNI_ROUTE,
        body: payload,
        signal,
        continueTimeoutMs: Math.min(PROBE_TIMEOUT_MS, Math.max(PROBE_MIN_MS, left)),
      })
      if (!reply.refused || reply.status !== 503) return reply
      last = `HTTP ${reply.status}: ${reply.body.trim().slice(0, 500)}`
      answered = true
    } catch (err) {
      if (signal.aborted || !(err instanceof NotSent || err instanceof ProbeTimeout)) throw err
      if (!answered || !(err instanceof ProbeTimeout)) {
        last = errorText(err)
        answered = false
      }
    }
    const rest = until - Date.now()
    if (rest <= 0) {
      throw new ShimFailure(
        CNI_ERROR_CODES.agentUnavailable,
        `multinet agent not ready after ${s.readyTimeoutMs} ms: ${hint(s.socket)}`,
        last,
      )
    }
    await sleep(Math.min(pause, rest), signal)
    if (signal.aborted) throw signal.reason
    pause = Math.min(pause * 2, POLL_MAX_MS)
  }
}

function isErrorBody(v: unknown): v is CniErrorBody {
  if (typeof v !== 'object' || v === null) return false
  const e = v as Record<string, unknown>
  return typeof e.code === 'number' && typeof e.msg === 'string'
}

/** What an unreachable agent means for each command (connection refused, no socket, ...). */
function unreachable(command: CniCommand, s: ShimSettings, err: unknown): ShimFailure {
  const why = errorText(err)
  switch (command) {
    case 'DEL':
    case 'GC':
      // Never wait on DEL: the runtime retries it, so nothing leaks and no sandbox is stuck.
      return new ShimFailure(
        CNI_ERROR_CODES.tryAgainLater,
        `multinet agent unreachable, try again later: ${hint(s.socket)}`,
        why,
      )
    case 'STATUS':
      return new ShimFailure(
        STATUS_NOT_AVAILABLE,
        `multinet agent unreachable: ${hint(s.socket)}`,
        why,
      )
    default:
      return new ShimFailure(
        CNI_ERROR_CODES.agentUnavailable,
        `multinet agent unreachable: ${hint(s.socket)}`,
        why,
      )
  }
}

/** Forwards one command; writes the result (or the agent's error body, verbatim) to stdout. */
async function forward(
  command: CniCommand,
  request: CniRequest,
  s: ShimSettings,
  io: ShimIo,
  signal: AbortSignal,
): Promise<number> {
  const payload = JSON.stringify(request)
  let reply: AgentReply
  try {
    reply =
      command === 'ADD' || command === 'CHECK'
        ? await sendWhenReady(s, payload, signal)
        : await agentRequest({
            socketPath: s.socket,
            method: 'POST',
            path: CNI_ROUTE,
            body: payload,
            signal,
          })
  } catch (err) {
    if (err instanceof ShimFailure) throw err
    if (signal.aborted) throw err
    throw unreachable(command, s, err)
  }
  let body: unknown
  try {
    body = JSON.parse(reply.body)
  } catch {
    body = undefined
  }
  if (reply.status === 200 && typeof body === 'object' && body !== null && 'result' in body) {
    const result = (body as { result: unknown }).result
    if (result !== null && result !== undefined) io.stdout.write(`${JSON.stringify(result)}\n`)
    return 0
  }
  if (reply.status !== 200 && isErrorBody(body)) {
    io.stdout.write(reply.body.endsWith('\n') ? reply.body : `${reply.body}\n`)
    return 1
  }
  throw new ShimFailure(
    CNI_ERROR_CODES.ioFailure,
    `unexpected answer from multinet agent (HTTP ${reply.status}) on socket ${s.socket}`,
    reply.body.slice(0, 1000),
  )
}

/**
 * Runs one CNI operation and returns the exit code. Every failure is a CNI error JSON on
 * stdout with exit 1, as the spec asks; nothing is thrown.
 */
export async function runShim(io: ShimIo): Promise<number> {
  let cniVersion: string = CURRENT_VERSION
  const started = Date.now()
  let deadline: NodeJS.Timeout | undefined
  let settings: ShimSettings | undefined
  const controller = new AbortController()
  const fail = (code: number, msg: string, details?: string): number => {
    const err: CniErrorBody = { cniVersion, code, msg, ...(details ? { details } : {}) }
    io.stdout.write(`${JSON.stringify(err)}\n`)
    return 1
  }
  let command: CniCommand | undefined
  try {
    const text = await readAll(io.stdin)
    let config: Record<string, unknown> | undefined
    let decodeError = 'not a JSON object'
    try {
      const parsed: unknown = JSON.parse(text)
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        config = parsed as Record<string, unknown>
        if (typeof config.cniVersion === 'string') cniVersion = config.cniVersion
      }
    } catch (err) {
      decodeError = (err as Error).message
    }
    const name = io.env.CNI_COMMAND
    if (name === 'VERSION') {
      const info = { cniVersion: CURRENT_VERSION, supportedVersions: CNI_VERSIONS }
      io.stdout.write(`${JSON.stringify(info)}\n`)
      return 0
    }
    if (name === undefined || name === '') {
      return fail(CNI_ERROR_CODES.invalidEnv, 'required env variable CNI_COMMAND missing')
    }
    if (!(COMMANDS as readonly string[]).includes(name)) {
      return fail(CNI_ERROR_CODES.invalidEnv, `unknown CNI_COMMAND ${JSON.stringify(name)}`)
    }
    command = name as CniCommand
    if (config === undefined) {
      return fail(
        CNI_ERROR_CODES.decodeFailure,
        'cannot decode the network configuration on stdin',
        decodeError,
      )
    }
    settings = shimSettings(config)
    const left = settings.deadlineMs - (Date.now() - started)
    deadline = setTimeout(() => controller.abort(new Error('deadline')), left)
    const request: CniRequest = { env: forwardedEnv(io.env, command), config }
    return await forward(command, request, settings, io, controller.signal)
  } catch (err) {
    if (err instanceof ShimFailure) return fail(err.code, err.message, err.details)
    if (controller.signal.aborted && settings !== undefined) {
      return fail(
        CNI_ERROR_CODES.deadlineExceeded,
        `multinet agent did not finish CNI ${command} within ${settings.deadlineMs} ms (deadlineMs)`,
        `socket ${settings.socket}`,
      )
    }
    return fail(CNI_ERROR_CODES.ioFailure, `multinet shim failed: ${errorText(err)}`)
  } finally {
    clearTimeout(deadline)
  }
}
