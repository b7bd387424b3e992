/** Loopback-only networking helpers for the harness: free ports, probes, bounded waits. */
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { createServer } from 'node:net'

export const LOOPBACK = '127.0.0.1'

/** A port the kernel just handed out on 127.0.0.1 (closed again, so the caller can bind it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, LOOPBACK, () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))))
    })
  })
}

/** Distinct free ports: asking the kernel one at a time may return the same port twice. */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>()
  while (ports.size < count) ports.add(await freePort())
  return [...ports]
}

export interface ProbeResult {
  status: number
  body: string
}

/** GET a loopback URL; https verifies the server against `ca`. Never rejects: errors are status 0. */
export function probe(
  url: string,
  opts: { ca?: string; token?: string } = {},
): Promise<ProbeResult> {
  const target = new URL(url)
  if (target.hostname !== LOOPBACK) throw new Error(`refusing to probe non-loopback ${url}`)
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest
  const headers: Record<string, string> = opts.token
    ? { authorization: `Bearer ${opts.token}` }
    : {}
  return new Promise((resolve) => {
    const req = request(target, { ca: opts.ca, headers, timeout: 5_000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      res.on('error', (err) => resolve({ status: 0, body: err.message }))
    })
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.on('error', (err) => resolve({ status: 0, body: err.message }))
    req.end()
  })
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/**
 * Polls `check` until it returns a value other than undefined, or throws after `timeoutMs` with
 * `describe()` (e.g. a log tail) in the message. `abort` stops early (e.g. the process died).
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  opts: { timeoutMs: number; intervalMs?: number; abort?: () => string | undefined },
  describe: () => string = () => '',
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    const aborted = opts.abort?.()
    if (aborted !== undefined || Date.now() > deadline) {
      const why = aborted ?? `not within ${opts.timeoutMs} ms`
      throw new Error(`${what}: ${why}\n${describe()}`)
    }
    await sleep(opts.intervalMs ?? 200)
  }
}
