import { connect } from 'node:tls'
import t from 'tap'
import { clientPair, testCa } from '../fixtures/tls/pki.js'
import { httpsRequest } from '../fixtures/webhook/https.js'
import { LIMITS, listenApp } from '../fixtures/webhook/serve.js'
import { exampleState, plainPodReview, realHandler } from '../fixtures/webhook/state.js'

const state = await exampleState()
t.teardown(() => state.close())
const handle = realHandler(state)

t.test('unknown routes and methods are a JSON 404', async (t) => {
  const { port, ca } = await listenApp(t, handle)
  for (const [method, path] of [
    ['POST', '/nope'],
    ['GET', '/validate'],
    ['PUT', '/mutate'],
  ] as const) {
    const res = await httpsRequest({ port, path, method, ca: ca.certPem })
    t.equal(res.status, 404)
    t.match(JSON.parse(res.text), {
      code: 'MN_ERR_HTTP_NOT_FOUND',
      message: `no route ${method} ${path}`,
    })
  }
})

t.test('bodies that are not JSON, empty, or poisoned are a 400 that says why', async (t) => {
  const { port, ca } = await listenApp(t, handle)
  const post = (body: string) => httpsRequest({ port, path: '/validate', ca: ca.certPem, body })
  const cases: [string, RegExp][] = [
    ['{"apiVersion": ', /request body is not valid JSON: .*JSON/],
    ['', /request body is not valid JSON: the body is empty/],
    ['{"request":{"object":{"__proto__":{"admin":true}}}}', /the key "__proto__" is not allowed/],
  ]
  for (const [body, message] of cases) {
    const res = await post(body)
    t.equal(res.status, 400, body)
    t.match(JSON.parse(res.text), { code: 'MN_ERR_HTTP_BAD_BODY', message })
  }
})

t.test('a body over the limit is a 413 naming the limit', async (t) => {
  const { port, ca, metrics } = await listenApp(t, handle, {
    limits: { ...LIMITS, bodyLimitBytes: 1024 },
  })
  const res = await httpsRequest({
    port,
    path: '/validate',
    ca: ca.certPem,
    body: JSON.stringify({ pad: 'x'.repeat(2048) }),
  })
  t.equal(res.status, 413)
  t.match(JSON.parse(res.text), {
    code: 'MN_ERR_HTTP_BODY_TOO_LARGE',
    message: 'request body larger than 1024 bytes',
  })
  t.match(
    await metrics.registry.metrics(),
    'multinet_http_errors_total{code="MN_ERR_HTTP_BODY_TOO_LARGE"} 1',
  )
})

t.test(
  'a bug is a 500 with the request id, logged with the stack, and the server keeps serving',
  async (t) => {
    let calls = 0
    const { port, ca, logs } = await listenApp(t, async (endpoint, body) => {
      if (calls++ === 0) throw new TypeError("Cannot read properties of undefined (reading 'spec')")
      return handle(endpoint, body)
    })
    const res = await httpsRequest({
      port,
      path: '/validate',
      ca: ca.certPem,
      body: plainPodReview(),
    })
    t.equal(res.status, 500)
    const id = res.headers['x-request-id'] as string
    t.match(id, /^[0-9a-f-]{36}$/)
    t.same(JSON.parse(res.text), {
      code: 'MN_ERR_INTERNAL',
      message: `internal error (request id ${id})`,
      requestId: id,
    })
    const line = logs.find('request failed')[0]
    t.match(line, {
      level: 'error',
      reqId: id,
      code: 'MN_ERR_INTERNAL',
      err: { type: 'TypeError', stack: /reading 'spec'/ },
    })
    const next = await httpsRequest({
      port,
      path: '/validate',
      ca: ca.certPem,
      body: plainPodReview(),
    })
    t.equal(next.status, 200)
    t.not(next.headers['x-request-id'], id, 'each request gets its own id')
  },
)

t.test('a client cannot choose the request id', async (t) => {
  const { port, ca } = await listenApp(t, handle)
  const res = await httpsRequest({
    port,
    path: '/validate',
    ca: ca.certPem,
    body: plainPodReview(),
    headers: { 'request-id': 'forged' },
  })
  t.not(res.headers['x-request-id'], 'forged')
})

/** Raw TLS: write `text`, then wait for the server to answer and close. */
function stall(port: number, ca: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca }, () => socket.write(text))
    let received = ''
    socket.on('data', (d: Buffer) => (received += d.toString()))
    socket.on('close', () => resolve(received))
    socket.on('error', reject)
  })
}

t.test('slow clients cannot pin a connection: header and whole-request deadlines', async (t) => {
  const limits = { ...LIMITS, headersTimeoutMs: 200, requestTimeoutMs: 400 }
  const { port, ca } = await listenApp(t, handle, { limits })
  const headers = await stall(port, ca.certPem, 'POST /validate HTTP/1.1\r\nHost: x\r\n')
  t.match(headers, /^HTTP\/1\.1 408 /, 'headers never finished')
  const body = await stall(
    port,
    ca.certPem,
    'POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":',
  )
  t.match(body, /^HTTP\/1\.1 408 /, 'body never finished')
})

t.test('TLS 1.3 minimum refuses a TLS 1.2-only client', async (t) => {
  const { port, ca } = await listenApp(t, handle, {
    tls: { minVersion: 'TLSv1.3', requireClientCert: false },
  })
  await t.rejects(
    httpsRequest({
      port,
      path: '/validate',
      ca: ca.certPem,
      body: plainPodReview(),
      maxVersion: 'TLSv1.2',
    }),
    { code: 'EPROTO', message: /protocol version|unsupported protocol/ },
  )
  const ok = await httpsRequest({ port, path: '/validate', ca: ca.certPem, body: plainPodReview() })
  t.equal(ok.status, 200)
})

t.test('mTLS: the client the CA signed is served, others are refused', async (t) => {
  const clients = testCa('api-server-clients')
  const { port, ca } = await listenApp(t, handle, { clientCa: clients.certPem })
  const good = clientPair(clients)
  const res = await httpsRequest({
    port,
    path: '/validate',
    ca: ca.certPem,
    body: plainPodReview(),
    cert: good.certPem,
    key: good.keyPem,
  })
  t.equal(res.status, 200)
  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    await t.rejects(
      httpsRequest({
        port,
        path: '/validate',
        ca: ca.certPem,
        body: plainPodReview(),
        maxVersion: version,
      }),
      { code: /^(EPROTO|ECONNRESET|ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED)$/ },
      `no client certificate (${version})`,
    )
    const stranger = clientPair(testCa('stranger'))
    await t.rejects(
      httpsRequest({
        port,
        path: '/validate',
        ca: ca.certPem,
        body: plainPodReview(),
        cert: stranger.certPem,
        key: stranger.keyPem,
        maxVersion: version,
      }),
      { code: /^(EPROTO|ECONNRESET|ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED)$/ },
      `a certificate from another CA (${version})`,
    )
  }
})

t.test(
  'requests in flight are counted from headers to response, aborted ones included',
  async (t) => {
    const { port, ca, metrics } = await listenApp(t, handle)
    const gauge = async () =>
      (await metrics.registry.getSingleMetric('multinet_http_requests_in_flight')!.get()).values[0]
        ?.value
    const body = plainPodReview('uid-flight')
    const half = Math.floor(body.length / 2)
    const open = async () => {
      const socket = connect({ host: '127.0.0.1', port, ca: ca.certPem })
      await new Promise<void>((r) => socket.once('secureConnect', () => r()))
      let received = ''
      socket.on('data', (d: Buffer) => (received += d.toString()))
      socket.write(
        `POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, half)}`,
      )
      return { socket, received: () => received }
    }
    t.equal(await gauge(), 0)
    const answered = await open()
    while ((await gauge()) !== 1) await new Promise((r) => setTimeout(r, 5))
    answered.socket.write(body.slice(half))
    while (!answered.received().includes('"allowed":true')) {
      await new Promise((r) => setTimeout(r, 5))
    }
    while ((await gauge()) !== 0) await new Promise((r) => setTimeout(r, 5))
    t.pass('answered: back to 0')
    answered.socket.destroy()

    const aborted = await open()
    while ((await gauge()) !== 1) await new Promise((r) => setTimeout(r, 5))
    aborted.socket.destroy()
    while ((await gauge()) !== 0) await new Promise((r) => setTimeout(r, 5))
    t.pass('aborted: back to 0')
  },
)
