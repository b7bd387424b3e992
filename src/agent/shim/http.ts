/**
 * One HTTP/1.1 exchange with the agent over its unix socket, written on `node:net` rather than
 * `node:http`: the shim makes exactly one request per process, and loading and warming the
 * http client cost more than the exchange itself (about 10 ms of a shim run on the development
 * VM). The agent is Node's http server; the shim sends `connection: close` and reads one answer
 * framed by content-length, chunked encoding, or the end of the connection.
 */
import { connect } from 'node:net'

export interface AgentReply {
  readonly status: number
  readonly body: string
  /** The agent answered before the body was sent (`expect: 100-continue` refused). */
  readonly refused: boolean
}

/** The agent accepted the connection but did not answer within the request's timeout. */
export class ProbeTimeout extends Error {}

/**
 * The request failed before its body reached the agent (no socket, connection refused, closed
 * or timed out before `100 Continue`): repeating it cannot run an operation twice.
 */
export class NotSent extends Error {
  readonly code: string | undefined
  constructor(readonly reason: Error) {
    super(reason.message)
    const code = (reason as NodeJS.ErrnoException).code
    this.code = typeof code === 'string' ? code : undefined
  }
}

/** Answers are a CNI result or error: anything larger is not the agent. */
const BODY_CAP = 1024 * 1024
const HEAD_CAP = 64 * 1024

export interface AgentRequest {
  readonly socketPath: string
  readonly method: 'GET' | 'POST'
  readonly path: string
  readonly body?: string
  readonly signal: AbortSignal
  /**
   * Send the headers with `expect: 100-continue` and the body only after the agent's
   * `100 Continue`; a final answer instead is returned with `refused`. Neither within this many
   * ms: ProbeTimeout (a wedged agent).
   */
  readonly continueTimeoutMs?: number
}

interface Head {
  readonly status: number
  readonly headers: ReadonlyMap<string, string>
}

function parseHead(text: string): Head {
  const [statusLine = '', ...lines] = text.split('\r\n')
  const m = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(statusLine)
  if (m === null) throw new Error(`not an HTTP answer: ${JSON.stringify(statusLine.slice(0, 80))}`)
  const headers = new Map<string, string>()
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon > 0)
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  return { status: Number(m[1]), headers }
}

/** The decoded body once the chunked encoding is complete, else undefined. */
function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = []
  let at = 0
  for (;;) {
    const eol = data.indexOf('\r\n', at)
    if (eol === -1) return undefined
    const size = Number.parseInt(data.subarray(at, eol).toString('latin1').split(';')[0]!, 16)
    if (!Number.isFinite(size) || size < 0) throw new Error('invalid chunked encoding')
    if (size === 0) return Buffer.concat(parts)
    if (data.length < eol + 2 + size + 2) return undefined
    parts.push(data.subarray(eol + 2, eol + 2 + size))
    at = eol + 2 + size + 2
  }
}

/**
 * Rejects with NotSent (see there), ProbeTimeout, the abort reason when `signal` aborts, or an
 * Error for a connection lost or an answer broken after the body was sent.
 */
export function agentRequest(r: AgentRequest): Promise<AgentReply> {
  return new Promise((resolve, reject) => {
    const expect = r.continueTimeoutMs !== undefined
    const head = [`${r.method} ${r.path} HTTP/1.1`, 'host: localhost', 'connection: close']
    if (r.body !== undefined) {
      head.push('content-type: application/json', `content-length: ${Buffer.byteLength(r.body)}`)
    }
    if (expect) head.push('expect: 100-continue')
    let sent = false
    let settled = false
    let data: Buffer = Buffer.alloc(0)
    let final: Head | undefined
    const sock = connect(r.socketPath)
    const finish = (err: Error | undefined, reply?: AgentReply): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      r.signal.removeEventListener('abort', onAbort)
      sock.destroy()
      if (err === undefined) resolve(reply!)
      else reject(r.signal.aborted || sent || err instanceof ProbeTimeout ? err : new NotSent(err))
    }
    const onAbort = (): void => finish(r.signal.reason as Error)
    const timer = expect
      ? setTimeout(
          () => finish(new ProbeTimeout(`no answer within ${r.continueTimeoutMs} ms`)),
          r.continueTimeoutMs,
        )
      : undefined
    if (r.signal.aborted) return onAbort()
    r.signal.addEventListener('abort', onAbort, { once: true })

    const sendBody = (): void => {
      sent = true
      if (r.body !== undefined) sock.write(r.body)
    }
    /** The reply once `data` holds a whole answer, else undefined; throws on a broken one. */
    const complete = (ended: boolean): AgentReply | undefined => {
      for (;;) {
        if (final === undefined) {
          const end = data.indexOf('\r\n\r\n')
          if (end === -1) {
            if (data.length > HEAD_CAP) throw new Error(`answer head larger than ${HEAD_CAP} bytes`)
            if (ended) throw new Error('the agent closed the connection without an answer')
            return undefined
          }
          const parsed = parseHead(data.subarray(0, end).toString('latin1'))
          data = data.subarray(end + 4)
          if (parsed.status >= 100 && parsed.status < 200) {
            if (parsed.status === 100 && expect && !sent) {
              clearTimeout(timer)
              sendBody()
            }
            continue
          }
          final = parsed
        }
        if (data.length > BODY_CAP) throw new Error(`answer larger than ${BODY_CAP} bytes`)
        const reply = (body: Buffer): AgentReply => ({
          status: final!.status,
          body: body.toString('utf8'),
          refused: expect && !sent,
        })
        const length = final.headers.get('content-length')
        if (length !== undefined) {
          const n = Number(length)
          if (data.length >= n) return reply(data.subarray(0, n))
        } else if (/chunked/i.test(final.headers.get('transfer-encoding') ?? '')) {
          const body = dechunk(data)
          if (body !== undefined) return reply(body)
        } else if (ended) {
          return reply(data)
        }
        if (ended) throw new Error('the agent closed the connection before the answer was complete')
        return undefined
      }
    }
    const take = (ended: boolean): void => {
      try {
        const reply = complete(ended)
        if (reply !== undefined) finish(undefined, reply)
      } catch (err) {
        finish(err as Error)
      }
    }
    sock.on('connect', () => {
      sock.write(`${head.join('\r\n')}\r\n\r\n`)
      if (!expect) sendBody()
    })
    sock.on('data', (chunk: Buffer) => {
      data = data.length === 0 ? chunk : Buffer.concat([data, chunk])
      take(false)
    })
    sock.on('end', () => take(true))
    sock.on('error', (err) => finish(err))
    sock.on('close', () => take(true))
  })
}
