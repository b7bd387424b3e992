import { connect as tcpConnect, type Socket } from 'node:net'
import { connect, type ConnectionOptions } from 'node:tls'
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

// Issue 11 #8: connections that never finish TLS are closed, however slowly they trickle.
t.test('the TLS handshake has an absolute deadline', async (t) => {
  const limits = { ...LIMITS, tlsHandshakeTimeoutMs: 1_000 }
  const { port, ca } = await listenApp(t, handle, { limits })
  const silent = await closedAfter(tcpConnect({ host: '127.0.0.1', port }))
  t.pass(`a silent TCP connection was closed (${silent} bytes received)`)
  // One byte of a ClientHello every 100 ms restarts Node's own (idle) timer; ours is absolute.
  const socket = tcpConnect({ host: '127.0.0.1', port })
  const hello = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03])
  let i = 0
  const drip = setInterval(() => {
    if (!socket.destroyed && i < hello.length * 100)
      socket.write(hello.subarray(i % hello.length, (i++ % hello.length) + 1))
  }, 100)
  t.teardown(() => clearInterval(drip))
  await closedAfter(socket)
  clearInterval(drip)
  t.ok(i < 60, `a trickling handshake was closed after ${i} bytes`)
  const ok = await httpsRequest({ port, path: '/validate', ca: ca.certPem, body: plainPodReview() })
  t.equal(ok.status, 200, 'a real client still gets through')
  // The deadline ends with the handshake: a connection that finished it is not cut later.
  const kept = await openTls(port, ca.certPem)
  t.teardown(() => kept.destroy())
  await new Promise((r) => setTimeout(r, 3 * limits.tlsHandshakeTimeoutMs))
  const body = plainPodReview()
  kept.write(
    `POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  )
  let answer = ''
  kept.on('data', (d: Buffer) => (answer += d.toString()))
  await new Promise((r) => kept.once('close', r))
  t.match(answer, /^HTTP\/1\.1 200 /)
})

t.test('connections beyond the cap are closed at accept', async (t) => {
  const { port, ca } = await listenApp(t, handle, { limits: { ...LIMITS, maxConnections: 2 } })
  const held = await Promise.all([0, 1].map(() => openTls(port, ca.certPem)))
  t.teardown(() => held.forEach((s) => s.destroy()))
  await t.rejects(openTls(port, ca.certPem), Error, 'a third is refused')
  held[0]!.destroy()
  await new Promise((r) => held[0]!.once('close', r))
  await retryUntil(
    async () =>
      (await httpsRequest({ port, path: '/validate', ca: ca.certPem, body: plainPodReview() }))
        .status === 200,
  )
  t.pass('a slot freed is a connection served')
})

// Issue 11 #9: AEAD only, and a key pair reload keeps the policy.
t.test('TLS 1.2 offers only AEAD suites, before and after a key pair reload', async (t) => {
  const { app, port, ca, pair } = await listenApp(t, handle)
  const tls12 = (ciphers: string) => openTls(port, ca.certPem, { maxVersion: 'TLSv1.2', ciphers })
  for (const round of ['first pair', 'after setSecureContext']) {
    for (const weak of [
      'ECDHE-RSA-AES128-SHA',
      'ECDHE-ECDSA-AES128-SHA',
      'ECDHE-ECDSA-AES256-SHA384',
      'AES128-SHA256',
      'AES128-GCM-SHA256',
    ]) {
      await t.rejects(tls12(weak), Error, `${weak} refused (${round})`)
    }
    const good = await tls12('ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256')
    t.match(good.getCipher().name, /GCM/, round)
    good.destroy()
    app.server.setSecureContext({ key: pair.keyPem, cert: pair.certPem })
  }
})

t.test('an unknown path is echoed cut, not whole', async (t) => {
  const { port, ca } = await listenApp(t, handle)
  const res = await httpsRequest({ port, path: `/${'p'.repeat(8000)}`, ca: ca.certPem, body: '{}' })
  t.equal(res.status, 404)
  t.ok(res.text.length < 400, `${res.text.length} bytes`)
  const media = await httpsRequest({
    port,
    path: '/validate',
    ca: ca.certPem,
    body: '{}',
    headers: { 'content-type': `text/${'x'.repeat(8000)}` },
  })
  t.equal(media.status, 415)
  t.ok(media.text.length < 400, `${media.text.length} bytes`)
})

/** Resolves with the bytes received once the server closes the socket. */
function closedAfter(socket: Socket): Promise<number> {
  return new Promise((resolve) => {
    let bytes = 0
    socket.on('data', (d: Buffer) => (bytes += d.length))
    socket.on('error', () => {})
    socket.on('close', () => resolve(bytes))
  })
}

/** A finished TLS handshake (or its error). */
function openTls(
  port: number,
  ca: string,
  extra: Partial<ConnectionOptions> = {},
): Promise<ReturnType<typeof connect>> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost', ...extra }, () =>
      resolve(socket),
    )
    socket.once('error', reject)
    socket.once('close', () =>
      reject(Object.assign(new Error('closed before the handshake'), { code: 'ECONNRESET' })),
    )
  })
}

async function retryUntil(check: () => Promise<boolean>): Promise<void> {
  for (;;) {
    if (await check().catch(() => false)) return
    await new Promise((r) => setTimeout(r, 50))
  }
}
