import type { AddressInfo } from 'node:net'
import { connect } from 'node:net'
import { Registry } from 'prom-client'
import t from 'tap'
import { buildHealthApp, type ReadinessCheck } from '../../src/webhook/health-app.js'
import { captureLogs } from '../fixtures/webhook/logs.js'

t.test('livez, readyz with what is missing, metrics, and a JSON 404', async (t) => {
  const registry = new Registry()
  let checks: ReadinessCheck[] = [
    { name: 'certificate', ok: false, detail: 'cannot read tls.crt' },
    { name: 'cluster', ok: true, detail: 'caches synced' },
  ]
  const app = buildHealthApp({ logger: captureLogs().logger, registry, readiness: () => checks })
  t.teardown(() => app.close())

  const live = await app.inject('/livez')
  t.equal(live.statusCode, 200)
  t.same(live.json(), { live: true })

  let ready = await app.inject('/readyz')
  t.equal(ready.statusCode, 503)
  t.same(ready.json(), { ready: false, missing: ['certificate: cannot read tls.crt'], checks })

  checks = [{ name: 'certificate', ok: true, detail: 'serving' }]
  ready = await app.inject('/readyz')
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { ready: true, missing: [], checks })

  const metrics = await app.inject('/metrics')
  t.equal(metrics.statusCode, 200)
  t.match(metrics.headers['content-type'], /^text\/plain; version=0\.0\.4/)

  const missing = await app.inject('/healthz')
  t.equal(missing.statusCode, 404)
  t.match(missing.json(), {
    code: 'MN_ERR_HTTP_NOT_FOUND',
    message: /GET \/healthz \(probes: \/livez, \/readyz, \/metrics\)/,
  })
})

// Issue 11 #8: the probe port has header and request deadlines too (slow-loris held it 60 s).
t.test('a slow client cannot hold the probe port', async (t) => {
  const app = buildHealthApp({
    logger: captureLogs().logger,
    registry: new Registry(),
    readiness: () => [],
    limits: {
      headersTimeoutMs: 200,
      requestTimeoutMs: 400,
      keepAliveTimeoutMs: 1000,
      maxConnections: 2,
    },
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const port = (app.server.address() as AddressInfo).port
  const answer = await new Promise<string>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () =>
      socket.write('GET /livez HTTP/1.1\r\nHost: x\r\n'),
    )
    let text = ''
    socket.on('data', (d: Buffer) => (text += d.toString()))
    socket.on('error', () => {})
    socket.on('close', () => resolve(text))
  })
  t.match(answer, /^HTTP\/1\.1 408 /, 'unfinished headers end in 408')
  t.equal(app.server.maxConnections, 2)
  const url = await app.inject(`/${'u'.repeat(5000)}`)
  t.equal(url.statusCode, 404)
  t.ok(url.body.length < 300, 'the path is echoed cut')
})
