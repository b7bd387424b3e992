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
