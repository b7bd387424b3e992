import { spawn } from 'node:child_process'
import { cp, readFile } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { connect } from 'node:tls'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { runWebhook, WEBHOOK_HELP, webhookCommand } from '../../src/cli/webhook-command.js'
import { serverPair, testCa, writePair } from '../fixtures/tls/pki.js'
import { testIo, until } from '../fixtures/webhook/cli-io.js'
import { withoutCoverage } from '../fixtures/cli/io.js'
import { httpGet, httpsRequest } from '../fixtures/webhook/https.js'
import { EXAMPLES, exampleReview, plainPodReview } from '../fixtures/webhook/state.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

t.test('--help documents the options; bad options are a usage error', async (t) => {
  const help = testIo('/')
  const listeners = process.listenerCount('SIGTERM')
  t.equal(await webhookCommand(['--help'], help.io), 0)
  t.equal(help.stdout(), WEBHOOK_HELP)
  t.match(WEBHOOK_HELP, /^Usage: multinet webhook \[options\]/)
  t.equal(process.listenerCount('SIGTERM'), listeners, 'signal handlers removed again')
  const bad = testIo('/')
  t.equal(await webhookCommand(['--port', '99999'], bad.io), 2)
  t.match(
    bad.stderr(),
    /^multinet webhook: invalid configuration: port = "99999" from flag --port: must be <= 65535/,
  )
  const unknown = testIo('/')
  t.equal(await webhookCommand(['--tls-cert'], unknown.io), 2)
  t.match(unknown.stderr(), /unknown option --tls-cert \(did you mean --tls-cert-file\?\)/)
})

t.test(
  '--dev: certificates created (then reused), example state served, stops on the signal',
  async (t) => {
    const cwd = t.testdir({})
    await cp(join(EXAMPLES, 'state'), join(cwd, 'examples', 'state'), { recursive: true })
    const run = async () => {
      const io = testIo(cwd)
      const stop = new AbortController()
      const done = runWebhook(['--dev', '--port', '0', '--health-port', '0'], io.io, stop.signal)
      await until(() => io.logLines().some((l) => l.msg === 'webhook listening'))
      const listening = io.logLines().find((l) => l.msg === 'webhook listening') as {
        port: number
        healthPort: number
        bindAddress: string
      }
      return { io, stop, done, listening }
    }
    const first = await run()
    t.equal(first.listening.bindAddress, '127.0.0.1')
    t.match(
      first.io.logLines().find((l) => l.msg === 'development certificates written'),
      { reasons: ['CA: none stored', 'certificate: CA renewed'] },
    )
    const ca = await readFile(join(cwd, 'certs', 'ca.crt'), 'utf8')
    const mutated = await httpsRequest({
      port: first.listening.port,
      path: '/mutate',
      ca,
      body: exampleReview('pod-create'),
    })
    t.equal(mutated.status, 200)
    t.match(JSON.parse(mutated.text), { response: { allowed: true, patchType: 'JSONPatch' } })
    const ready = await httpGet(first.listening.healthPort, '/readyz')
    t.equal(ready.status, 200, ready.text)
    t.match(
      (await httpGet(first.listening.healthPort, '/metrics')).text,
      'process_cpu_user_seconds_total',
    )
    first.stop.abort('SIGTERM')
    t.equal(await first.done, 0)
    t.ok(first.io.logLines().some((l) => l.msg === 'shutdown complete'))

    const second = await run()
    t.ok(second.io.logLines().some((l) => l.msg === 'development certificates reused'))
    second.stop.abort('SIGINT')
    t.equal(await second.done, 0)
  },
)

t.test('a start-up failure is logged and exits 3', async (t) => {
  const blocker = createServer()
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r))
  t.teardown(() => blocker.close())
  const taken = (blocker.address() as AddressInfo).port
  const dir = t.testdir({})
  const files = await writePair(dir, serverPair(testCa()))
  const io = testIo(dir)
  const stop = new AbortController()
  const code = await runWebhook(
    [
      '--state-dir',
      join(EXAMPLES, 'state'),
      '--tls-cert-file',
      files.certFile,
      '--tls-key-file',
      files.keyFile,
      '--bind-address',
      '127.0.0.1',
      '--port',
      String(taken),
      '--health-port',
      '0',
    ],
    io.io,
    stop.signal,
  )
  t.equal(code, 3)
  t.match(
    io.logLines().find((l) => l.msg === 'webhook failed'),
    { level: 'error', err: { code: 'EADDRINUSE' } },
  )
})

t.test('SIGTERM to the real process: the request in flight is answered, then exit 0', async (t) => {
  const dir = t.testdir({})
  const ca = testCa()
  const files = await writePair(dir, serverPair(ca))
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'bin/multinet.js'),
      'webhook',
      '--state-dir',
      join(EXAMPLES, 'state'),
      '--tls-cert-file',
      files.certFile,
      '--tls-key-file',
      files.keyFile,
      '--bind-address',
      '127.0.0.1',
      '--health-bind-address',
      '127.0.0.1',
      '--port',
      '0',
      '--health-port',
      '0',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: withoutCoverage(process.env) },
  )
  t.teardown(() => void child.kill('SIGKILL'))
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
  const lines = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
  await until(() => lines().some((l) => l.msg === 'webhook listening'))
  const { port, healthPort } = lines().find((l) => l.msg === 'webhook listening') as {
    port: number
    healthPort: number
  }
  const inFlight = async () =>
    /^multinet_http_requests_in_flight (\d+)$/m.exec(
      (await httpGet(healthPort, '/metrics')).text,
    )?.[1]

  // Headers and half the body go out; SIGTERM arrives while the request is in flight.
  const body = plainPodReview('uid-sigterm')
  const half = Math.floor(body.length / 2)
  let response = ''
  const socket = connect({ host: '127.0.0.1', port, ca: ca.certPem })
  const closed = new Promise<void>((r) => socket.on('close', () => r()))
  socket.on('data', (d: Buffer) => (response += d.toString()))
  await new Promise<void>((r) => socket.once('secureConnect', () => r()))
  socket.write(
    `POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, half)}`,
  )
  // The server must have the request (headers parsed) before the signal, or the connection would
  // count as idle and be closed: wait until the in-flight gauge shows it.
  while ((await inFlight()) !== '1') await new Promise((r) => setTimeout(r, 10))
  child.kill('SIGTERM')
  await until(() => lines().some((l) => l.msg === 'shutting down: draining requests'))
  socket.end(body.slice(half))
  await closed
  t.match(response, /^HTTP\/1\.1 200 /)
  t.match(response, /"uid":"uid-sigterm","allowed":true/)
  t.equal(await exited, 0)
  t.match(
    lines().find((l) => l.msg === 'shutdown complete'),
    { reason: 'SIGTERM' },
  )
})

t.test(
  'without --state-dir the cluster is read through the API: no kubeconfig is exit 3',
  async (t) => {
    const dir = t.testdir({})
    const files = await writePair(dir, serverPair(testCa()))
    const io = testIo(dir, {})
    const code = await runWebhook(
      [
        '--tls-cert-file',
        files.certFile,
        '--tls-key-file',
        files.keyFile,
        '--port',
        '0',
        '--health-port',
        '0',
      ],
      io.io,
      new AbortController().signal,
    )
    t.equal(code, 3)
    t.match(
      io.logLines().find((l) => l.msg === 'webhook failed'),
      {
        code: 'MN_ERR_KUBE_CONFIG',
        err: { message: /not running in a cluster/ },
      },
    )
  },
)
