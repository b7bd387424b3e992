import { request } from 'node:http'

export interface AgentReply {
  readonly status: number
  readonly body: string
}

/** The agent accepted the connection but did not answer within the request's timeout. */
export class ProbeTimeout extends Error {}

/** Answers are a CNI result or error: anything larger is not the agent. */
const BODY_CAP = 1024 * 1024

/**
 * One HTTP/1.1 exchange with the agent over its unix socket, on a fresh connection (the shim
 * lives for one operation). Rejects with the socket error (`code` ENOENT, ECONNREFUSED, ...),
 * on `timeoutMs`, or when `signal` aborts.
 */
export function agentRequest(
  socketPath: string,
  method: 'GET' | 'POST',
  path: string,
  body: string | undefined,
  signal: AbortSignal,
  timeoutMs?: number,
): Promise<AgentReply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { host: 'localhost' }
    if (body !== undefined) {
      headers['content-type'] = 'application/json'
      headers['content-length'] = Buffer.byteLength(body)
    }
    const req = request({ socketPath, method, path, headers, agent: false, signal }, (res) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (b: Buffer) => {
        size += b.length
        if (size > BODY_CAP) {
          req.destroy(new Error(`answer larger than ${BODY_CAP} bytes`))
          return
        }
        chunks.push(b)
      })
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      )
      res.on('error', reject)
    })
    req.on('error', reject)
    if (timeoutMs !== undefined) {
      req.setTimeout(timeoutMs, () =>
        req.destroy(new ProbeTimeout(`no answer within ${timeoutMs} ms`)),
      )
    }
    req.end(body)
  })
}
