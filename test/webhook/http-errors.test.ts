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

// Issue 11 #10: depth is bounded before any recursion; escaped __proto__ is still __proto__.
t.test('deep bodies are refused by a scan, never by a stack overflow', async (t) => {
  const deep = (n: number, inner: string) => `${'{"a":'.repeat(n)}${inner}${'}'.repeat(n)}`
  for (const n of [129, 4_350, 100_000]) {
    t.throws(() => parseJsonBody(deep(n, '{"__proto__":{}}')), {
      code: 'MN_ERR_HTTP_BAD_BODY',
      message: /nested more than 128 levels deep; at most 128 are accepted/,
    })
  }
  t.same(parseJsonBody(deep(127, '1')) !== undefined, true, '128 levels parse')
  t.throws(() => parseJsonBody(`[${'['.repeat(200)}`), { message: /nested more than 128 levels/ })
  // Brackets inside strings do not count.
  t.same(parseJsonBody(JSON.stringify({ s: '[[[['.repeat(100) })), { s: '[[[['.repeat(100) })
})

t.test('__proto__ is refused however it is spelled, at any accepted depth', async (t) => {
  const bodies = [
    '{"__proto__":{"admin":true}}',
    '{"\\u005f_proto__":{"admin":true}}',
    '{"\\u005f\\u005f\\u0070roto__":1}',
    `${'{"a":'.repeat(120)}{"\\u005f_proto__":1}${'}'.repeat(120)}`,
    '[[{"x":[{"__proto__":null}]}]]',
  ]
  for (const body of bodies) {
    t.throws(() => parseJsonBody(body), { message: /the key "__proto__" is not allowed/ }, body)
  }
  t.same(parseJsonBody('{"\\u0061":"__proto__"}'), { a: '__proto__' }, 'as a value it is fine')
})

// Found by fuzzing under coverage: 1.3 million empty objects in 4 MiB took half a second to parse.
t.test('a body of more than 100,000 objects and lists is refused unparsed', async (t) => {
  t.throws(() => parseJsonBody(`[${'{},'.repeat(1_300_000)}{}]`), {
    code: 'MN_ERR_HTTP_BAD_BODY',
    message: /holds more than 100000 objects and lists/,
  })
  t.equal(
    (parseJsonBody(`[${'{},'.repeat(99_998)}{}]`) as unknown[]).length,
    99_999,
    '100,000 with the outer list',
  )
  t.equal(
    (parseJsonBody(`[${'1,'.repeat(1_000_000)}1]`) as unknown[]).length,
    1_000_001,
    'scalars are not counted',
  )
})
