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
