import t from 'tap'
import type { Outcome } from '../../src/admission/handle.js'
import { MultinetError } from '../../src/errors.js'
import { inspectCertificate } from '../../src/tls/inspect.js'
import { WebhookMetrics } from '../../src/webhook/metrics.js'
import { serverPair, testCa } from '../fixtures/tls/pki.js'

const outcome = (over: Partial<Outcome>): Outcome => ({
  uid: 'u',
  endpoint: 'validate',
  kind: 'Pod',
  resource: 'pods',
  operation: 'CREATE',
  namespace: 'ns',
  name: 'p',
  allowed: true,
  deniedBy: [],
  reasons: [],
  warnings: [],
  patched: false,
  audits: [],
  explain: [],
  ...over,
})

t.test(
  'admission requests by endpoint, resource, operation and decision; denials by rule',
  async (t) => {
    const m = new WebhookMetrics()
    m.observeAdmission(outcome({}), 0.002)
    m.observeAdmission(outcome({ endpoint: 'mutate', patched: true }), 0.004)
    m.observeAdmission(
      outcome({ allowed: false, deniedBy: ['policy.denied', 'policy.denied', 'pod.nad-missing'] }),
      0.001,
    )
    m.observeAdmission(
      outcome({ subResource: 'status', operation: 'UPDATE', audits: ['rule/x'] }),
      0.001,
    )
    const text = await m.registry.metrics()
    t.match(
      text,
      'multinet_admission_requests_total{endpoint="validate",resource="pods",operation="CREATE",decision="allow"} 1',
    )
    t.match(
      text,
      'multinet_admission_requests_total{endpoint="mutate",resource="pods",operation="CREATE",decision="patch"} 1',
    )
    t.match(
      text,
      'multinet_admission_requests_total{endpoint="validate",resource="pods",operation="CREATE",decision="deny"} 1',
    )
    t.match(
      text,
      'multinet_admission_requests_total{endpoint="validate",resource="pods/status",operation="UPDATE",decision="allow"} 1',
    )
    t.match(
      text,
      'multinet_admission_denials_total{rule="policy.denied"} 1',
      'one denial counts a rule once',
    )
    t.match(text, 'multinet_admission_denials_total{rule="pod.nad-missing"} 1')
    t.match(text, 'multinet_admission_audits_total{rule="rule/x"} 1')
    t.match(text, 'multinet_admission_duration_seconds_count{endpoint="validate"} 3')
    t.match(text, 'multinet_admission_duration_seconds_bucket{le="0.0025",endpoint="mutate"} 0')
  },
)

t.test('certificate expiry, reloads and failures; HTTP errors by code', async (t) => {
  const m = new WebhookMetrics()
  const info = inspectCertificate(serverPair(testCa()).certPem)
  m.loaded(info)
  m.failed(new MultinetError('MN_ERR_TLS_LOAD', 'x'))
  m.failed(new MultinetError('MN_ERR_TLS_LOAD', 'y'))
  m.observeError('MN_ERR_HTTP_MEDIA_TYPE')
  const text = await m.registry.metrics()
  t.match(
    text,
    `multinet_tls_certificate_expiry_timestamp_seconds ${Math.floor(info.notAfter.getTime() / 1000)}`,
  )
  t.match(text, 'multinet_tls_reloads_total 1')
  t.match(text, 'multinet_tls_reload_failures_total 2')
  t.match(text, 'multinet_http_errors_total{code="MN_ERR_HTTP_MEDIA_TYPE"} 1')
  t.notMatch(text, 'multinet_cache_objects', 'no cache gauge without a state')
  t.notMatch(text, 'process_cpu', 'no default metrics unless asked')
})

t.test('cache sizes are read at scrape time; default metrics on request', async (t) => {
  let nads = 1
  const m = new WebhookMetrics({
    stats: () => ({ nads, namespaces: 2, policyConfigMaps: 3 }),
    defaultMetrics: true,
  })
  t.match(await m.registry.metrics(), 'multinet_cache_objects{kind="nads"} 1')
  nads = 7
  const text = await m.registry.metrics()
  t.match(text, 'multinet_cache_objects{kind="nads"} 7')
  t.match(text, 'multinet_cache_objects{kind="namespaces"} 2')
  t.match(text, 'multinet_cache_objects{kind="policy_configmaps"} 3')
  t.match(text, 'process_cpu_user_seconds_total')
})

t.test('watch health and policy errors are exported per resource', async (t) => {
  let stale = 0
  const m = new WebhookMetrics({
    stats: () => ({
      nads: 0,
      namespaces: 0,
      policyConfigMaps: 0,
      policyErrors: 1,
      sources: {
        nads: { reconnects: 3, relists: 1, failures: 2, staleSeconds: stale },
        namespaces: { reconnects: 0, relists: 0, failures: 0, staleSeconds: 0 },
      },
    }),
  })
  t.match(await m.registry.metrics(), 'multinet_watch_stale_seconds{resource="nads"} 0')
  stale = 12
  const text = await m.registry.metrics()
  t.match(text, 'multinet_watch_stale_seconds{resource="nads"} 12')
  t.match(text, 'multinet_watch_reconnects{resource="nads"} 3')
  t.match(text, 'multinet_watch_relists{resource="nads"} 1')
  t.match(text, 'multinet_watch_failures{resource="nads"} 2')
  t.match(text, 'multinet_watch_stale_seconds{resource="namespaces"} 0')
  t.match(text, 'multinet_policy_errors 1')
})

t.test('a state without watch counters exports no per-resource series', async (t) => {
  const m = new WebhookMetrics({ stats: () => ({ nads: 0, namespaces: 0, policyConfigMaps: 0 }) })
  const text = await m.registry.metrics()
  t.notMatch(text, 'multinet_watch_stale_seconds{')
  t.match(text, 'multinet_policy_errors 0')
})

// Issue 11 #7: labels come from closed sets, whatever the client writes.
t.test('client-chosen resources, subresources, codes and rules map to "other"', async (t) => {
  const m = new WebhookMetrics()
  for (let i = 0; i < 200; i++) {
    m.observeAdmission(
      outcome({
        resource: `r${i}-${'x'.repeat(1000)}`,
        subResource: i % 2 ? `s${i}` : undefined,
        operation: `OP${i}`,
        allowed: false,
        deniedBy: [`rule-${i}`],
        audits: Array.from({ length: 50 }, (_, j) => `audit-${j}-${'y'.repeat(100)}`),
      }),
      0.001,
    )
    m.observeError(`MN_ERR_MADE_UP_${i}`)
  }
  m.observeAdmission(outcome({ resource: 'pods', subResource: 'weird' }), 0.001)
  const text = await m.registry.metrics()
  t.match(
    text,
    'multinet_admission_requests_total{endpoint="validate",resource="other",operation="other",decision="deny"} 100',
  )
  t.match(text, 'resource="other/other",operation="other",decision="deny"} 100')
  t.match(text, 'resource="pods/other",operation="CREATE",decision="allow"} 1')
  t.match(text, 'multinet_admission_denials_total{rule="other"} 200')
  t.match(text, 'multinet_http_errors_total{code="other"} 200')
  t.notMatch(text, /x{100}|r199|MADE_UP/)
  const audits = text.split('\n').filter((l) => l.startsWith('multinet_admission_audits_total{'))
  t.equal(audits.length, 20, 'at most 20 audit rules per request')
  t.ok(audits.every((l) => /rule="[^"]{1,63}"/.test(l)))
  t.ok(text.length < 20_000, `exposition is ${text.length} bytes`)
})
