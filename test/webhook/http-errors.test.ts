import t from 'tap'
import { MultinetError } from '../../src/errors.js'
import { parseJsonBody, toHttpError } from '../../src/webhook/http-errors.js'

t.test('Fastify body errors map onto the catalogue', async (t) => {
  const map = (code: string, extra: object = {}) => toHttpError({ code, ...extra }, 'rid', 1024)
  t.match(map('FST_ERR_CTP_BODY_TOO_LARGE'), {
    code: 'MN_ERR_HTTP_BODY_TOO_LARGE',
    status: 413,
    message: 'request body larger than 1024 bytes',
  })
  t.match(map('FST_ERR_CTP_INVALID_MEDIA_TYPE'), { code: 'MN_ERR_HTTP_MEDIA_TYPE', status: 415 })
  t.match(map('FST_ERR_CTP_EMPTY_JSON_BODY'), {
    code: 'MN_ERR_HTTP_BAD_BODY',
    message: /the body is empty/,
  })
  t.match(map('FST_ERR_CTP_INVALID_CONTENT_LENGTH'), {
    code: 'MN_ERR_HTTP_BAD_BODY',
    message: /Content-Length/,
  })
})

t.test(
  'other client errors stay 400; anything else is our bug, a 500 naming the request',
  async (t) => {
    const aborted = Object.assign(new Error('aborted'), { statusCode: 400 })
    t.match(toHttpError(aborted, 'rid', 1), {
      code: 'MN_ERR_HTTP_BAD_BODY',
      status: 400,
      message: /aborted/,
    })
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')")
    const err = toHttpError(bug, 'req-42', 1)
    t.match(err, {
      code: 'MN_ERR_INTERNAL',
      status: 500,
      message: 'internal error (request id req-42)',
    })
    t.equal(err.cause, bug)
    t.notMatch(err.message, /Cannot read/, 'internals stay in the log')
    t.match(toHttpError(Object.assign(new Error('x'), { statusCode: 503 }), 'r', 1), {
      status: 500,
    })
    const own = new MultinetError('MN_ERR_HTTP_MEDIA_TYPE', 'x')
    t.equal(toHttpError(own, 'r', 1), own)
  },
)

t.test('parseJsonBody: the JSON, or what is wrong with it', async (t) => {
  t.same(parseJsonBody('{"a":[1]}'), { a: [1] })
  t.throws(() => parseJsonBody('{"a":'), {
    code: 'MN_ERR_HTTP_BAD_BODY',
    message: /not valid JSON: .*JSON/,
  })
  t.throws(() => parseJsonBody('  '), {
    message: 'request body is not valid JSON: the body is empty',
  })
  t.throws(() => parseJsonBody('{"x":{"__proto__":{"polluted":true}}}'), {
    message: 'request body is not valid JSON: the key "__proto__" is not allowed',
  })
  t.same(
    parseJsonBody('{"text":"a \\"__proto__\\" string"}'),
    { text: 'a "__proto__" string' },
    'only keys count',
  )
  t.same(parseJsonBody('["__proto__"]'), ['__proto__'])
})
