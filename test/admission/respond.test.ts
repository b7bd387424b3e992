import t from 'tap'
import { EMPTY_VERDICT, encodeVerdict } from '../../src/admission/respond.js'
import { error, warning } from '../../src/spec/finding.js'

t.test('allow without patch carries neither patch nor status', async (t) => {
  const r = encodeVerdict('u1', 'Pod default/a', EMPTY_VERDICT)
  t.same(r, {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: 'u1', allowed: true },
  })
})

t.test('allow with patch is base64 JSONPatch; warnings ride along', async (t) => {
  const patch = [{ op: 'add' as const, path: '/spec/nodeSelector', value: { a: 'b' } }]
  const r = encodeVerdict('u2', 'Pod default/a', {
    ...EMPTY_VERDICT,
    patch,
    findings: [warning('selection.unknown-key', 'networks[0].foo', 'unknown key')],
  })
  t.equal(r.response.allowed, true)
  t.equal(r.response.patchType, 'JSONPatch')
  t.same(JSON.parse(Buffer.from(r.response.patch!, 'base64').toString()), patch)
  t.same(r.response.warnings, ['networks[0].foo: unknown key [selection.unknown-key]'])
})

t.test('a denial lists every problem, 422 for invalid input', async (t) => {
  const r = encodeVerdict('u3', 'Pod default/a', {
    ...EMPTY_VERDICT,
    findings: [
      error('selection.ips', 'networks[0].ips[0]', 'bad ip'),
      error('selection.mac', 'networks[1].mac', 'bad mac'),
    ],
    patch: [{ op: 'add', path: '/x', value: 1 }],
  })
  t.equal(r.response.allowed, false)
  t.equal(r.response.patch, undefined, 'no patch on a denial')
  t.equal(r.response.status?.code, 422)
  t.equal(r.response.status?.reason, 'Invalid')
  t.match(
    r.response.status?.message,
    /^multinet: Pod default\/a: 2 problems: networks\[0\]\.ips\[0\]: bad ip \[selection\.ips\]; networks\[1\]\.mac: bad mac/,
  )
})

t.test('a policy refusal is 403 Forbidden', async (t) => {
  const r = encodeVerdict('u4', 'Pod default/a', {
    ...EMPTY_VERDICT,
    findings: [error('policy.isolation', 'networks[0]', 'refused')],
  })
  t.equal(r.response.status?.code, 403)
  t.equal(r.response.status?.reason, 'Forbidden')
  t.match(r.response.status?.message, /1 problem: /)
})

// Issue 11 #6: a request with 20,000 problems must not buy a 5 MB answer.
t.test('findings shown are capped: first 20, each cut, then a count of the rest', async (t) => {
  const many = Array.from({ length: 20_000 }, (_, i) =>
    error('selection.name', `networks[${i}].name`, `bad ${'x'.repeat(2_000)}`),
  )
  const warnings = Array.from({ length: 21 }, (_, i) =>
    warning('selection.unknown-key', `networks[${i}].foo`, 'unknown key'),
  )
  const r = encodeVerdict('u9', `Pod default/${'n'.repeat(100_000)}`, {
    ...EMPTY_VERDICT,
    findings: [...many, ...warnings],
  })
  const message = r.response.status!.message
  t.ok(message.length < 20 * 520 + 1_000, `message is ${message.length} characters`)
  t.match(message, /: 20000 problems: networks\[0\]\.name: bad x+/)
  t.match(message, /; and 19980 more problems$/)
  t.notOk(message.includes('networks[20].name'), 'the 21st problem is only counted')
  t.notOk(message.includes('n'.repeat(400)), 'the subject is cut')
  t.equal(r.response.warnings?.length, 21)
  t.equal(r.response.warnings?.[20], 'and 1 more warning')
  t.ok(JSON.stringify(r).length < 30_000)
})
