import t from 'tap'
import { decodeReview } from '../../src/admission/decode.js'
import { review } from '../fixtures/admission/reviews.js'

t.test('a well-formed review decodes with defaults filled in', async (t) => {
  const body = review()
  const req = decodeReview(body)
  t.equal(req.uid, 'uid-1')
  t.equal(req.resource.group, '')
  t.equal(req.operation, 'CREATE')
  t.equal(req.userInfo.username, 'alice')
})

t.test('missing group and userInfo are read as empty', async (t) => {
  const req = decodeReview({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'u',
      kind: { version: 'v1', kind: 'Pod' },
      resource: { version: 'v1', resource: 'pods' },
      operation: 'DELETE',
    },
  })
  t.equal(req.kind.group, '')
  t.equal(req.resource.group, '')
  t.same(req.userInfo, {})
})

const malformed: [string, unknown, RegExp][] = [
  ['null body', null, /body must be a JSON object/],
  ['array body', [], /body must be a JSON object/],
  ['wrong kind', { ...review(), kind: 'Review' }, /kind must be "AdmissionReview"/],
  [
    'no request',
    { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' },
    /request must be an object/,
  ],
  ['empty uid', review({ uid: '' }), /request.uid must be a non-empty string/],
  ['kind not object', withRequest({ kind: 'Pod' }), /request.kind must be an object/],
  ['resource missing', withRequest({ resource: undefined }), /request.resource must be an object/],
  [
    'kind.kind not string',
    withRequest({ kind: { version: 'v1', kind: 3 } }),
    /request.kind.kind must be a string/,
  ],
  [
    'resource.resource missing',
    withRequest({ resource: { version: 'v1' } }),
    /request.resource.resource must be a string/,
  ],
  ['bad operation', withRequest({ operation: 'PATCH' }), /request.operation must be one of/],
  ['userInfo not object', withRequest({ userInfo: 'root' }), /request.userInfo must be an object/],
  // Found by fuzzing: a numeric namespace reached the decision log as a number (a 500).
  ['namespace a number', withRequest({ namespace: -5e-324 }), /request.namespace must be a string/],
  ['name an object', withRequest({ name: {} }), /request.name must be a string/],
  ['subResource a list', withRequest({ subResource: ['status'] }), /request.subResource must be/],
  ['dryRun a string', withRequest({ dryRun: 'true' }), /request.dryRun must be a boolean/],
  // Found by fuzzing: groups as an object reached the agent check and answered 500.
  ['groups an object', withRequest({ userInfo: { groups: {} } }), /userInfo.groups must be a list/],
  [
    'groups of numbers',
    withRequest({ userInfo: { groups: [1] } }),
    /userInfo.groups must be a list/,
  ],
  ['username a number', withRequest({ userInfo: { username: 7 } }), /userInfo.username must be/],
  ['uid a list', withRequest({ userInfo: { uid: [] } }), /userInfo.uid must be a string/],
  ['extra not lists', withRequest({ userInfo: { extra: { a: 'b' } } }), /userInfo.extra must map/],
  ['extra a list', withRequest({ userInfo: { extra: [] } }), /userInfo.extra must map/],
]

for (const [name, body, message] of malformed) {
  t.test(`malformed: ${name}`, async (t) => {
    t.throws(() => decodeReview(body), { code: 'MN_ERR_REVIEW_MALFORMED', message })
  })
}

t.test('v1beta1 is refused with advice', async (t) => {
  t.throws(() => decodeReview({ ...review(), apiVersion: 'admission.k8s.io/v1beta1' }), {
    code: 'MN_ERR_REVIEW_VERSION',
    message: /admissionReviewVersions: \["v1"\]/,
  })
})

function withRequest(patch: Record<string, unknown>): unknown {
  const body = review() as { request: Record<string, unknown> }
  return { ...body, request: { ...body.request, ...patch } }
}

// Issue 11 #6: what the client sent is quoted cut, never whole.
t.test('a 1 MiB apiVersion is not echoed whole', async (t) => {
  const apiVersion = 'v'.repeat(1024 * 1024)
  try {
    decodeReview({ ...review(), apiVersion })
    t.fail('must throw')
  } catch (err) {
    const message = (err as Error).message
    t.match(message, /^unsupported AdmissionReview: apiVersion "v+\.\.\.: only/)
    t.ok(message.length < 300, `${message.length} characters`)
  }
  t.throws(() => decodeReview({ ...review(), apiVersion: undefined }), {
    message: /apiVersion null: only admission.k8s.io\/v1/,
  })
})
