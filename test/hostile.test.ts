/**
 * The hostile corpus (issue 11, "Prove it"): every file in test/fixtures/hostile is one attack
 * with its expected answer. Body cases go through the whole app (parser, routes, admission,
 * metrics, logs) over the example cluster; transport cases (header floods, slow clients, TLS)
 * go over real TLS sockets on loopback. Large inputs are described by macros in the files
 * ($repeat, $concat, $json, $list) rather than stored.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { connect as tcpConnect, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { fileURLToPath } from 'node:url'
import { Registry } from 'prom-client'
import t from 'tap'
import { buildHealthApp } from '../src/webhook/health-app.js'
import { BLOCK_BOUND_MS, asyncBlockingMs } from './fuzz/fixtures/bound.js'
import { contractProblem, harness } from './fuzz/fixtures/http.js'
import { captureLogs } from './fixtures/webhook/logs.js'
import { LIMITS, listenApp } from './fixtures/webhook/serve.js'
import { plainPodReview, realHandler, exampleState } from './fixtures/webhook/state.js'

const DIR = fileURLToPath(new URL('./fixtures/hostile/', import.meta.url))

interface BodyCase {
  readonly description: string
  readonly endpoint: string
  readonly method?: string
  readonly contentType?: string
  readonly body?: unknown
  readonly rawBody?: unknown
  readonly expect: {
    readonly status: number
    readonly code?: string | number
    readonly allowed?: boolean
    readonly uid?: string
    readonly message?: string
    readonly maxMessage?: number
    readonly patched?: boolean
    readonly metric?: string
  }
}

interface TransportCase {
  readonly description: string
  readonly transport: string
  readonly bytes?: number
  readonly count?: number
  readonly ciphers?: string
  readonly raw?: string
  readonly expect: { response?: string; closed?: boolean; refused?: boolean; responses?: number }
}

/** Expands the size macros of a case file into the value they describe. */
export function expand(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(expand)
  if (v === null || typeof v !== 'object') return v
  const o = v as Record<string, unknown>
  if ('$repeat' in o) {
    const [text, times, join] = o.$repeat as [string, number, string]
    return Array.from({ length: times }, () => text).join(join)
  }
  if ('$concat' in o) return (o.$concat as unknown[]).map((p) => String(expand(p))).join('')
  if ('$json' in o) return JSON.stringify(expand(o.$json))
  if ('$list' in o) {
    const [item, count] = o.$list as [unknown, number]
    return Array.from({ length: count }, () => expand(item))
  }
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, expand(x)]))
}

const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
const load = (f: string): unknown => JSON.parse(readFileSync(`${DIR}${f}`, 'utf8'))

t.test('body cases: each answer is the one its file expects', async (t) => {
  const h = await harness()
  t.teardown(() => h.close())
  const cases = files.filter((f) => !f.startsWith('transport-'))
  t.ok(cases.length >= 25, `${cases.length} body cases`)
  for (const file of cases) {
    const c = load(file) as BodyCase
    const body =
      c.rawBody !== undefined ? String(expand(c.rawBody)) : JSON.stringify(expand(c.body))
    const req = {
      method: c.method ?? 'POST',
      url: c.endpoint,
      headers: { 'content-type': c.contentType ?? 'application/json' },
      body,
    }
    let status = 0
    let text = ''
    const ms = await asyncBlockingMs(async () => {
      const res = await h.app.inject({
        method: 'POST',
        url: req.url,
        headers: req.headers,
        payload: body,
      })
      status = res.statusCode
      text = res.body
    })
    const e = c.expect
    t.test(`${file}: ${c.description}`, async (t) => {
      t.equal(contractProblem(req, status, text), undefined, 'keeps the HTTP contract')
      t.equal(status, e.status, 'status')
      t.ok(ms <= BLOCK_BOUND_MS, `answered holding the loop ${ms.toFixed(1)} ms`)
      const json = JSON.parse(text) as {
        code?: string
        message?: string
        response?: {
          uid: string
          allowed: boolean
          patch?: string
          status?: { code: number; message: string }
        }
      }
      if (status !== 200) {
        t.equal(json.code, e.code, 'error code')
        if (e.message) t.match(json.message, new RegExp(e.message), 'message')
        return
      }
      const r = json.response!
      if (e.allowed !== undefined) t.equal(r.allowed, e.allowed, 'allowed')
      if (e.uid !== undefined) t.equal(r.uid, e.uid, 'uid')
      if (e.code !== undefined) t.equal(r.status?.code, e.code, 'denial code')
      if (e.message) t.match(r.status?.message, new RegExp(e.message), 'message')
      if (e.maxMessage) {
        t.ok(
          (r.status?.message.length ?? 0) <= e.maxMessage,
          `message of ${r.status?.message.length} characters`,
        )
      }
      if (e.patched) t.ok(r.patch, 'patched')
      if (e.metric) t.match(await h.metrics.registry.metrics(), e.metric, 'metric label')
    })
  }
  t.ok(h.longestLogLine() <= 16 * 1024, `longest log line ${h.longestLogLine()} bytes`)
})

t.test('transport cases over real TLS on loopback', async (t) => {
  const state = await exampleState()
  t.teardown(() => state.close())
  const limits = {
    ...LIMITS,
    headersTimeoutMs: 500,
    requestTimeoutMs: 1_000,
    tlsHandshakeTimeoutMs: 2_000,
  }
  const { port, ca } = await listenApp(t, realHandler(state), { limits })
  const health = buildHealthApp({
    logger: captureLogs().logger,
    registry: new Registry(),
    readiness: () => [],
    limits: {
      headersTimeoutMs: 500,
      requestTimeoutMs: 1_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 64,
    },
  })
  await health.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => health.close())
  const healthPort = (health.server.address() as AddressInfo).port

  /** Writes `text` on a fresh TLS connection; resolves with all it received once closed. */
  const exchange = (text: string, tls = true, target = port) =>
    new Promise<{ text: string; error?: string }>((resolve) => {
      let got = ''
      const socket: Socket = tls
        ? tlsConnect(
            { host: '127.0.0.1', port: target, ca: ca.certPem, servername: 'localhost' },
            () => socket.write(text),
          )
        : tcpConnect({ host: '127.0.0.1', port: target }, () => socket.write(text))
      socket.on('data', (d: Buffer) => (got += d.toString('latin1')))
      socket.on('error', (err) => resolve({ text: got, error: err.message }))
      socket.on('close', () => resolve({ text: got }))
    })
  const body = plainPodReview()
  const post = `POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`

  for (const file of files.filter((f) => f.startsWith('transport-'))) {
    const c = load(file) as TransportCase
    t.test(`${file}: ${c.description}`, async (t) => {
      let result: { text: string; error?: string } = { text: '' }
      switch (c.transport) {
        case 'header-bytes':
          result = await exchange(`${post}X-Pad: ${'p'.repeat(c.bytes!)}\r\n\r\n${body}`)
          break
        case 'header-count': {
          const headers = Array.from({ length: c.count! }, (_, i) => `h${i}: v`).join('\r\n')
          result = await exchange(`POST /validate HTTP/1.1\r\nHost: x\r\n${headers}\r\n\r\n`)
          break
        }
        case 'slow-headers':
          result = await exchange('POST /validate HTTP/1.1\r\nHost: x\r\n')
          break
        case 'slow-body':
          result = await exchange(`${post}\r\n${body.slice(0, 10)}`)
          break
        case 'health-slow-headers':
          result = await exchange('GET /readyz HTTP/1.1\r\nHost: x\r\n', false, healthPort)
          break
        case 'silent-tcp':
          result = await exchange('', false)
          break
        case 'trickle-hello': {
          const socket = tcpConnect({ host: '127.0.0.1', port })
          const hello = Buffer.from([
            0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03,
          ])
          let i = 0
          const drip = setInterval(() => {
            if (!socket.destroyed)
              socket.write(hello.subarray(i % hello.length, (i++ % hello.length) + 1))
          }, 100)
          await new Promise((r) => {
            socket.on('error', () => {})
            socket.on('close', r)
          })
          clearInterval(drip)
          t.ok(i < 60, `closed after ${i} bytes`)
          break
        }
        case 'tls-ciphers':
          result = await new Promise((resolve) => {
            const s = tlsConnect(
              {
                host: '127.0.0.1',
                port,
                ca: ca.certPem,
                servername: 'localhost',
                maxVersion: 'TLSv1.2',
                ciphers: c.ciphers!,
              },
              () => {
                s.destroy()
                resolve({ text: 'connected' })
              },
            )
            s.on('error', (err) => resolve({ text: '', error: err.message }))
          })
          break
        case 'raw':
          result = await exchange(c.raw!)
          break
        case 'chunked': {
          const chunk = `{"pad":"${'x'.repeat(64 * 1024 - 10)}"}`
          const head =
            'POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n'
          const one = `${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n`
          const n = Math.ceil(c.bytes! / Buffer.byteLength(chunk))
          result = await exchange(`${head}${one.repeat(n)}0\r\n\r\n`)
          break
        }
        case 'pipelined': {
          const one = `${post}\r\n${body}`
          result = await exchange(
            `${one.repeat(c.count! - 1)}${one.replace('Content-Type', 'Connection: close\r\nContent-Type')}`,
          )
          break
        }
        default:
          t.fail(`unknown transport ${c.transport}`)
      }
      const e = c.expect
      if (e.response) t.match(result.text, new RegExp(e.response), result.text.slice(0, 80))
      if (e.closed) t.pass('the server closed the connection')
      if (e.refused)
        t.match(result.error, /handshake failure|no shared cipher|alert/i, 'no shared cipher')
      if (e.responses) t.equal(result.text.match(/HTTP\/1\.1 200 /g)?.length, e.responses)
      t.notMatch(result.text, /HTTP\/1\.1 5\d\d /, 'never a 5xx')
    })
  }
})
