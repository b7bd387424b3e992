/**
 * The shim's HTTP/1.1 client on `node:net`, against raw servers that write exactly the bytes
 * each case needs (framings, interim answers, broken answers), and against Node's http server
 * (what the agent runs) for the `expect: 100-continue` exchange.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import { createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { agentRequest, NotSent, ProbeTimeout } from '../../../src/agent/shim/http.js'

function shortDir(t: Test): string {
  const dir = mkdtempSync('/tmp/mncni-http-')
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

interface Raw {
  readonly socket: string
  /** Everything each connection sent, in order of connections. */
  readonly received: string[]
}

/** A unix-socket server that calls `onData` with all a connection sent so far. */
async function rawServer(t: Test, onData: (sock: Socket, sofar: string) => void): Promise<Raw> {
  const socket = join(shortDir(t), 's.sock')
  const received: string[] = []
  const sockets = new Set<Socket>()
  const server: Server = createServer((sock) => {
    sockets.add(sock)
    const i = received.push('') - 1
    sock.on('data', (b: Buffer) => {
      received[i] += b.toString('latin1')
      onData(sock, received[i]!)
    })
    sock.on('error', () => {})
    sock.on('close', () => sockets.delete(sock))
  })
  await new Promise<void>((resolve) => server.listen(socket, resolve))
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  )
  return { socket, received }
}

/** Calls `answer` once the whole request (head and content-length body) has arrived. */
const whenRequest =
  (answer: (sock: Socket, request: string) => void) => (sock: Socket, sofar: string) => {
    const end = sofar.indexOf('\r\n\r\n')
    if (end === -1) return
    const length = Number(/content-length: (\d+)/i.exec(sofar)?.[1] ?? 0)
    if (sofar.length - end - 4 < length) return
    answer(sock, sofar)
  }

const signal = () => new AbortController().signal

t.test('the request: headers, body, connection close', async (t) => {
  const s = await rawServer(
    t,
    whenRequest((sock) => sock.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}')),
  )
  const reply = await agentRequest({
    socketPath: s.socket,
    method: 'POST',
    path: '/cni',
    body: '{"é":1}',
    signal: signal(),
  })
  t.same(reply, { status: 200, body: '{}', refused: false })
  const [head, body] = s.received[0]!.split('\r\n\r\n')
  t.same(head!.split('\r\n'), [
    'POST /cni HTTP/1.1',
    'host: localhost',
    'connection: close',
    'content-type: application/json',
    'content-length: 8',
  ])
  t.equal(Buffer.from(body!, 'latin1').toString('utf8'), '{"é":1}', 'length in bytes')
})

t.test('answers framed by content-length, chunks, or the end of the connection', async (t) => {
  const answers = [
    'HTTP/1.1 500 Internal\r\nContent-Length: 5\r\n\r\nhello and more',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\n\r\n',
    'HTTP/1.0 404 Not Found\r\n\r\nuntil the end',
  ]
  let n = 0
  const s = await rawServer(
    t,
    whenRequest((sock) => {
      const text = answers[n++]!
      // Byte by byte: the client must put the answer together across reads.
      let i = 0
      const drip = (): void => {
        if (i >= text.length) {
          sock.end()
          return
        }
        sock.write(text[i++]!, drip)
      }
      drip()
    }),
  )
  const get = () =>
    agentRequest({ socketPath: s.socket, method: 'GET', path: '/x', signal: signal() })
  t.same(await get(), { status: 500, body: 'hello', refused: false })
  t.same(await get(), { status: 200, body: 'abcde', refused: false })
  t.same(await get(), { status: 404, body: 'until the end', refused: false })
})

t.test('broken answers are errors after the request was sent', async (t) => {
  const answers = [
    'SSH-2.0-OpenSSH\r\n\r\n',
    'HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort',
    'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n',
    `HTTP/1.1 200 OK\r\ncontent-length: ${2 * 1024 * 1024}\r\n\r\n${'x'.repeat(1100 * 1024)}`,
    `HTTP/1.1 200 OK\r\nx: ${'y'.repeat(70 * 1024)}`,
    '',
  ]
  let n = 0
  const s = await rawServer(
    t,
    whenRequest((sock) => sock.end(answers[n++]!)),
  )
  const get = () =>
    agentRequest({ socketPath: s.socket, method: 'GET', path: '/x', signal: signal() })
  const expected = [
    /^not an HTTP answer: "SSH-2\.0-OpenSSH"$/,
    /^the agent closed the connection before the answer was complete$/,
    /^invalid chunked encoding$/,
    /^answer larger than 1048576 bytes$/,
    /^answer head larger than 65536 bytes$/,
    /^the agent closed the connection without an answer$/,
  ]
  for (const message of expected) {
    const err = await get().then(
      () => undefined,
      (e: unknown) => e,
    )
    t.match(err, { message }, String(message))
    t.notOk(err instanceof NotSent, 'sent: not safe to repeat')
  }
})

t.test('expect: 100-continue: the body only after 100; a refusal before it', async (t) => {
  let refuse = true
  let bodies = 0
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (b: Buffer) => chunks.push(b))
    req.on('end', () => {
      bodies++
      res.end(`got ${Buffer.concat(chunks).toString()}`)
    })
  })
  server.on('checkContinue', (req, res) => {
    if (refuse) {
      res.writeHead(503, { connection: 'close' }).end('not ready')
      return
    }
    res.writeContinue()
    server.emit('request', req, res)
  })
  const socket = join(shortDir(t), 'h.sock')
  await new Promise<void>((resolve) => server.listen(socket, resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const post = () =>
    agentRequest({
      socketPath: socket,
      method: 'POST',
      path: '/cni',
      body: 'payload',
      signal: signal(),
      continueTimeoutMs: 30_000,
    })
  t.same(await post(), { status: 503, body: 'not ready', refused: true })
  t.equal(bodies, 0, 'the body was never sent')
  refuse = false
  t.same(await post(), { status: 200, body: 'got payload', refused: false })
  t.equal(bodies, 1)
})

t.test('other interim answers are skipped; 100 without expect changes nothing', async (t) => {
  const s = await rawServer(
    t,
    whenRequest((sock) =>
      sock.end(
        'HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok',
      ),
    ),
  )
  const reply = await agentRequest({
    socketPath: s.socket,
    method: 'POST',
    path: '/cni',
    body: 'b',
    signal: signal(),
  })
  t.same(reply, { status: 200, body: 'ok', refused: false })
})

t.test('failures before the body was sent are NotSent; a wedged agent times out', async (t) => {
  const dir = shortDir(t)
  /** A POST /cni that resolves with its error, if any. */
  const post = (socketPath: string, continueTimeoutMs = 30_000): Promise<unknown> =>
    agentRequest({
      socketPath,
      method: 'POST',
      path: '/cni',
      body: 'b',
      signal: signal(),
      continueTimeoutMs,
    }).catch((e: unknown) => e)
  const none = await post(join(dir, 'none.sock'))
  t.ok(none instanceof NotSent, 'no socket')
  t.match(none, { code: 'ENOENT', message: /ENOENT/ })

  // Accepts and reads the head, then closes without 100 Continue.
  const closer = await rawServer(t, (sock, sofar) => {
    if (sofar.includes('\r\n\r\n')) sock.destroy()
  })
  const closed = await post(closer.socket)
  t.ok(closed instanceof NotSent, 'closed before 100 Continue')
  t.notMatch(closer.received[0], /\r\n\r\nb/, 'no body went out')

  const wedged = await rawServer(t, () => {})
  const timedOut = await post(wedged.socket, 100)
  t.ok(timedOut instanceof ProbeTimeout)
  t.match(timedOut, { message: 'no answer within 100 ms' })
  t.match(wedged.received[0], /expect: 100-continue\r\n\r\n$/, 'only the head was sent')
})

t.test('an abort rejects with its reason and closes the connection', async (t) => {
  let closed: () => void
  const gone = new Promise<void>((resolve) => (closed = resolve))
  const s = await rawServer(t, (sock) => sock.on('close', () => closed()))
  const ac = new AbortController()
  const pending = agentRequest({
    socketPath: s.socket,
    method: 'POST',
    path: '/cni',
    body: 'b',
    signal: ac.signal,
  })
  // Wait until the server has the request, then abort.
  while (s.received.length === 0 || !s.received[0]!.endsWith('b')) {
    await new Promise((r) => setImmediate(r))
  }
  const reason = new Error('deadline')
  ac.abort(reason)
  await t.rejects(pending, reason)
  await gone
  const early = new AbortController()
  early.abort(new Error('before'))
  await t.rejects(
    agentRequest({ socketPath: s.socket, method: 'GET', path: '/', signal: early.signal }),
    { message: 'before' },
  )
})
