import { rename, writeFile } from 'node:fs/promises'
import { connect as tcpConnect, createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { inspectCertificate } from '../../src/tls/inspect.js'
import { startWebhookServer } from '../../src/webhook/server.js'
import { clientPair, serverPair, testCa, writePair } from '../fixtures/tls/pki.js'
import { httpGet, httpsRequest } from '../fixtures/webhook/https.js'
import { captureLogs } from '../fixtures/webhook/logs.js'
import { LIMITS, serve } from '../fixtures/webhook/serve.js'
import { exampleState, plainPodReview, realHandler } from '../fixtures/webhook/state.js'

const state = await exampleState()
t.teardown(() => state.close())
const handle = realHandler(state)
const serialOf = (pem: string) => inspectCertificate(pem).serialNumber

t.test('ready only once the certificate is loaded and the caches have synced', async (t) => {
  const s = await serve(t, handle, { writeCerts: false, synced: false })
  const { running } = s
  let ready = await httpGet(running.healthPort, '/readyz')
  t.equal(ready.status, 503)
  const body = JSON.parse(ready.text) as { ready: boolean; missing: string[] }
  t.equal(body.ready, false)
  t.match(body.missing, [
    /^certificate: cannot load TLS key pair: cannot read .*tls\.crt: ENOENT/,
    /^cluster: caches not synced yet; namespaces: list failed/,
  ])
  t.equal((await httpGet(running.healthPort, '/livez')).status, 200, 'alive all the same')

  await writePair(s.dir, serverPair(s.ca))
  t.equal(await running.certs.check(), 'loaded')
  ready = await httpGet(running.healthPort, '/readyz')
  t.same(JSON.parse(ready.text).missing, [
    'cluster: caches not synced yet; namespaces: list failed (HTTP 403)',
  ])
  s.setSynced(true)
  ready = await httpGet(running.healthPort, '/readyz')
  t.equal(ready.status, 200)
  t.match(JSON.parse(ready.text).checks[0], {
    name: 'certificate',
    ok: true,
    detail: /^serving CN=localhost until \d{4}-/,
  })
  const res = await httpsRequest({
    port: running.port,
    path: '/validate',
    ca: s.ca.certPem,
    body: plainPodReview(),
  })
  t.equal(res.status, 200)
  const metrics = await httpGet(running.healthPort, '/metrics')
  t.match(metrics.text, 'multinet_cache_objects{kind="nads"} 3')
  t.match(metrics.text, /multinet_tls_certificate_expiry_timestamp_seconds \d{10}/)
  t.match(
    metrics.text,
    'multinet_admission_requests_total{endpoint="validate",resource="pods",operation="CREATE",decision="allow"} 1',
  )
})

t.test('20 certificate swaps under continuous load: zero failed requests', async (t) => {
  const s = await serve(t, handle, { certReloadIntervalMs: 20 })
  const pairs = Array.from({ length: 20 }, (_, i) => serverPair(s.ca, `swap-${i + 1}`))
  let sent = 0
  const failures: string[] = []
  const seen = new Set<string>()
  let stop = false
  const worker = async () => {
    while (!stop) {
      sent++
      try {
        const res = await httpsRequest({
          port: s.running.port,
          path: '/validate',
          ca: s.ca.certPem,
          body: plainPodReview(`load-${sent}`),
        })
        seen.add(res.peerSerial)
        const review = JSON.parse(res.text) as { response?: { allowed?: boolean } }
        if (res.status !== 200 || review.response?.allowed !== true)
          failures.push(`HTTP ${res.status}: ${res.text}`)
      } catch (err) {
        failures.push(String(err))
      }
    }
  }
  const workers = Array.from({ length: 4 }, worker)
  for (const pair of pairs) {
    // Key first, then certificate, each renamed into place: between the two renames the
    // folder holds a mismatched pair, which the source must refuse and retry.
    await writeFile(`${s.files.keyFile}.new`, pair.keyPem)
    await rename(`${s.files.keyFile}.new`, s.files.keyFile)
    await writeFile(`${s.files.certFile}.new`, pair.certPem)
    await rename(`${s.files.certFile}.new`, s.files.certFile)
    const serial = serialOf(pair.certPem)
    while (!seen.has(serial)) await new Promise((r) => setTimeout(r, 5))
  }
  stop = true
  await Promise.all(workers)
  const metrics = await httpGet(s.running.healthPort, '/metrics')
  const reloads = /multinet_tls_reloads_total (\d+)/.exec(metrics.text)?.[1]
  const refused = /multinet_tls_reload_failures_total (\d+)/.exec(metrics.text)?.[1]
  t.comment(
    `cert swaps: 20; requests sent: ${sent}; failed: ${failures.length}; reloads: ${reloads}; torn pairs refused and retried: ${refused}`,
  )
  t.same(failures, [], 'no request failed')
  t.ok(sent > 20, 'load ran during every swap')
  for (const pair of pairs)
    t.ok(seen.has(serialOf(pair.certPem)), 'every new certificate was served')
  t.equal(Number(reloads), 21, 'initial load and 20 swaps')
})

t.test(
  'a mismatched pair keeps the old certificate serving, is counted, and is retried',
  async (t) => {
    const s = await serve(t, handle)
    const first = serialOf((await import('node:fs')).readFileSync(s.files.certFile, 'utf8'))
    const next = serverPair(s.ca, 'next')
    await writeFile(s.files.certFile, next.certPem)
    t.equal(await s.running.certs.check(), 'failed')
    const res = await httpsRequest({
      port: s.running.port,
      path: '/validate',
      ca: s.ca.certPem,
      body: plainPodReview(),
    })
    t.equal(res.status, 200)
    t.equal(res.peerSerial, first, 'still the old certificate')
    t.equal(
      (await httpGet(s.running.healthPort, '/readyz')).status,
      200,
      'still ready: a valid pair is serving',
    )
    t.match(
      (await httpGet(s.running.healthPort, '/metrics')).text,
      'multinet_tls_reload_failures_total 1',
    )
    t.match(s.logs.find('TLS certificate reload failed; will retry')[0], {
      level: 'warn',
      code: 'MN_ERR_TLS_LOAD',
      err: /private key does not match/,
    })
    await writeFile(s.files.keyFile, next.keyPem)
    t.equal(await s.running.certs.check(), 'loaded')
    const after = await httpsRequest({
      port: s.running.port,
      path: '/validate',
      ca: s.ca.certPem,
      body: plainPodReview(),
    })
    t.equal(after.peerSerial, serialOf(next.certPem))
  },
)

t.test('mTLS through the client CA file', async (t) => {
  const clients = testCa('clients')
  const s = await serve(t, handle, { clientCa: clients.certPem })
  const good = clientPair(clients)
  const res = await httpsRequest({
    port: s.running.port,
    path: '/validate',
    ca: s.ca.certPem,
    body: plainPodReview(),
    cert: good.certPem,
    key: good.keyPem,
  })
  t.equal(res.status, 200)
  await t.rejects(
    httpsRequest({
      port: s.running.port,
      path: '/validate',
      ca: s.ca.certPem,
      body: plainPodReview(),
    }),
  )
})

t.test(
  'shutdown: in-flight requests finish, new connections are refused, readiness drops',
  async (t) => {
    let release!: () => void
    let entered!: () => void
    const inHandler = new Promise<void>((r) => (entered = r))
    const s = await serve(t, async (endpoint, body) => {
      entered()
      await new Promise<void>((r) => (release = r))
      return handle(endpoint, body)
    })
    const inflight = httpsRequest({
      port: s.running.port,
      path: '/validate',
      ca: s.ca.certPem,
      body: plainPodReview('uid-inflight'),
    })
    await inHandler
    const closing = s.running.shutdown('SIGTERM')
    t.equal(s.running.shutdown('again'), closing, 'idempotent')
    const ready = await httpGet(s.running.healthPort, '/readyz')
    t.equal(ready.status, 503)
    t.match(JSON.parse(ready.text).missing, ['process: shutting down'])
    await t.rejects(
      httpsRequest({
        port: s.running.port,
        path: '/validate',
        ca: s.ca.certPem,
        body: plainPodReview(),
      }),
      { code: 'ECONNREFUSED' },
    )
    release()
    const res = await inflight
    t.equal(res.status, 200)
    t.match(JSON.parse(res.text), { response: { uid: 'uid-inflight', allowed: true } })
    await closing
    t.match(s.logs.find('shutdown complete')[0], { reason: 'SIGTERM' })
    await t.rejects(httpGet(s.running.healthPort, '/livez'), 'probe port closed too')
  },
)

t.test('shutdown is bounded: a request that never ends is cut at the deadline', async (t) => {
  let entered!: () => void
  const inHandler = new Promise<void>((r) => (entered = r))
  const s = await serve(
    t,
    async () => {
      entered()
      return new Promise(() => {})
    },
    { shutdownTimeoutMs: 100 },
  )
  const hung = httpsRequest({
    port: s.running.port,
    path: '/validate',
    ca: s.ca.certPem,
    body: plainPodReview(),
  })
  await inHandler
  await s.running.shutdown('SIGTERM')
  await t.rejects(hung, { code: 'ECONNRESET' })
  t.equal(s.logs.find('drain deadline reached: closing connections').length, 1)
})

t.test('a port in use is a start-up error, and nothing is left listening', async (t) => {
  const blocker = createServer()
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r))
  t.teardown(() => blocker.close())
  const taken = (blocker.address() as AddressInfo).port
  const dir = t.testdir({})
  const files = await writePair(dir, serverPair(testCa()))
  await t.rejects(
    startWebhookServer({
      settings: {
        ...LIMITS,
        port: 0,
        bindAddress: '127.0.0.1',
        healthPort: taken,
        healthBindAddress: '127.0.0.1',
        tlsCertFile: files.certFile,
        tlsKeyFile: files.keyFile,
        tlsMinVersion: 'TLSv1.2',
        clientCaFile: undefined,
        certReloadIntervalMs: 60_000,
        shutdownTimeoutMs: 1000,
      },
      logger: captureLogs().logger,
      handle,
      state: {
        sync: () => ({ synced: true, problems: [] }),
        stats: () => ({ nads: 0, namespaces: 0, policyConfigMaps: 0 }),
      },
    }),
    { code: 'EADDRINUSE' },
  )
})

t.test(
  'while draining, a request on a kept-alive connection is answered, not refused',
  async (t) => {
    const { Agent, request } = await import('node:https')
    let release!: () => void
    let entered!: () => void
    const inHandler = new Promise<void>((r) => (entered = r))
    let calls = 0
    const s = await serve(t, async (endpoint, body) => {
      if (calls++ === 1) {
        entered()
        await new Promise<void>((r) => (release = r))
      }
      return handle(endpoint, body)
    })
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: s.ca.certPem })
    t.teardown(() => agent.destroy())
    const post = (uid: string) =>
      new Promise<{ status: number; connection: string | undefined; text: string }>(
        (resolve, reject) => {
          const r = request(
            {
              host: '127.0.0.1',
              port: s.running.port,
              path: '/validate',
              method: 'POST',
              agent,
              headers: { 'content-type': 'application/json' },
            },
            (res) => {
              let text = ''
              res.on('data', (d: Buffer) => (text += d.toString()))
              res.on('end', () =>
                resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, text }),
              )
            },
          )
          r.on('error', reject)
          r.end(plainPodReview(uid))
        },
      )
    t.equal((await post('warm')).status, 200)
    const slow = post('slow')
    await inHandler
    const closing = s.running.shutdown('SIGTERM')
    // Once the listener is closed, idle connections are gone and only the busy one remains.
    while (await canConnect(s.running.port)) await new Promise((r) => setTimeout(r, 5))
    const queued = post('queued') // waits for the one kept-alive socket
    release()
    t.equal((await slow).status, 200)
    const late = await queued
    t.equal(late.status, 200, 'answered during the drain')
    t.equal(late.connection, 'close')
    t.match(late.text, /"uid":"queued","allowed":true/)
    await closing
  },
)

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}
