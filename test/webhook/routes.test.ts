import t from 'tap'
import type { AdmissionReviewResponse } from '../../src/admission/review.js'
import { httpsRequest } from '../fixtures/webhook/https.js'
import { listenApp } from '../fixtures/webhook/serve.js'
import {
  exampleReview,
  exampleState,
  plainPodReview,
  realHandler,
} from '../fixtures/webhook/state.js'

const state = await exampleState()
t.teardown(() => state.close())

const response = (text: string) => (JSON.parse(text) as AdmissionReviewResponse).response

t.test('allow, deny and mutate over real HTTPS, with the real admission decision', async (t) => {
  const { port, ca, logs, metrics } = await listenApp(t, realHandler(state))
  const post = (path: string, body: string) => httpsRequest({ port, path, body, ca: ca.certPem })

  const allowed = await post('/validate', plainPodReview('uid-allow'))
  t.equal(allowed.status, 200)
  t.match(allowed.headers['content-type'], /^application\/json/)
  t.same(response(allowed.text), { uid: 'uid-allow', allowed: true })

  const denied = await post('/validate', exampleReview('pod-forged-status'))
  t.equal(denied.status, 200, 'a denial is an answer, not an HTTP error')
  const deny = response(denied.text)
  t.equal(deny.allowed, false)
  t.match(deny.status, { code: 403, message: /pod\.network-status-forged/ })

  const mutated = await post('/mutate', exampleReview('pod-create'))
  t.equal(mutated.status, 200)
  const patch = response(mutated.text)
  t.equal(patch.allowed, true)
  t.equal(patch.patchType, 'JSONPatch')
  const ops = JSON.parse(Buffer.from(patch.patch as string, 'base64').toString()) as {
    path: string
  }[]
  t.ok(
    ops.some((op) => op.path === '/spec/containers/0/resources'),
    'resource injection',
  )

  const denial = logs.find('denied')[0]
  t.match(denial, {
    level: 'info',
    uid: '7c2b3a10-51c4-4f0e-8b0e-2d5b8c9e7f02',
    kind: 'Pod',
    namespace: 'default',
    name: 'forger',
    operation: 'CREATE',
    rules: ['pod.network-status-forged'],
    reasons: [/only the Multinet agent/],
  })
  t.equal(logs.find('allowed').length, 2, 'decisions at debug')
  t.match(logs.find('allowed')[0], { level: 'debug', uid: 'uid-allow', patched: false })
  const text = await metrics.registry.metrics()
  t.match(text, 'decision="deny"} 1')
  t.match(text, 'decision="patch"} 1')
  t.match(text, 'multinet_admission_denials_total{rule="pod.network-status-forged"} 1')
})

t.test('a malformed or wrong-version review is a 400 saying what is wrong', async (t) => {
  const { port, ca, logs, metrics } = await listenApp(t, realHandler(state))
  const post = (body: string) => httpsRequest({ port, path: '/validate', body, ca: ca.certPem })
  const malformed = await post(
    '{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{}}',
  )
  t.equal(malformed.status, 400)
  t.match(JSON.parse(malformed.text), {
    code: 'MN_ERR_REVIEW_MALFORMED',
    message: 'malformed AdmissionReview: request.uid must be a non-empty string',
    requestId: malformed.headers['x-request-id'],
  })
  const v1beta1 = await post('{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1beta1"}')
  t.equal(v1beta1.status, 400)
  t.match(JSON.parse(v1beta1.text), {
    code: 'MN_ERR_REVIEW_VERSION',
    message: /only admission\.k8s\.io\/v1 is served/,
  })
  t.match(logs.find('malformed review')[0], { level: 'warn', code: 'MN_ERR_REVIEW_MALFORMED' })
  t.match(
    await metrics.registry.metrics(),
    'multinet_http_errors_total{code="MN_ERR_REVIEW_VERSION"} 1',
  )
})

t.test('only JSON is accepted: 415 for another or a missing Content-Type', async (t) => {
  const { port, ca } = await listenApp(t, realHandler(state))
  for (const type of ['text/plain', 'application/yaml', 'application/jsonx']) {
    const res = await httpsRequest({
      port,
      path: '/validate',
      ca: ca.certPem,
      body: '{}',
      headers: { 'content-type': type },
    })
    t.equal(res.status, 415, type)
    t.match(JSON.parse(res.text), {
      code: 'MN_ERR_HTTP_MEDIA_TYPE',
      message: `unsupported media type "${type}": send application/json`,
    })
  }
  const none = await httpsRequest({ port, path: '/mutate', ca: ca.certPem })
  t.equal(none.status, 415)
  t.match(JSON.parse(none.text), { message: /unsupported media type \(none\)/ })
  const charset = await httpsRequest({
    port,
    path: '/validate',
    ca: ca.certPem,
    body: plainPodReview(),
    headers: { 'content-type': 'Application/JSON; charset=utf-8' },
  })
  t.equal(charset.status, 200, 'parameters and case do not matter')
})

t.test('audit findings are logged at info even though the pod is allowed', async (t) => {
  const { port, ca, logs } = await listenApp(t, async (endpoint, body) => {
    const result = await realHandler(state)(endpoint, body)
    return { ...result, outcome: { ...result.outcome, audits: ['rule/storage-readers'] } }
  })
  await httpsRequest({ port, path: '/validate', ca: ca.certPem, body: plainPodReview('uid-audit') })
  t.match(logs.find('allowed with audit findings')[0], {
    level: 'info',
    uid: 'uid-audit',
    audits: ['rule/storage-readers'],
  })
})
