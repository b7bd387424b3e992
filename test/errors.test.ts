import t from 'tap'
import { ERRORS, MultinetError, isMultinetError, messageOf } from '../src/errors.js'

t.test('MultinetError carries code, status and a formatted message', async (t) => {
  const cause = new Error('boom')
  const err = new MultinetError('MN_ERR_TLS_LOAD', 'key does not match certificate', {
    cause,
    details: { file: 'tls.crt' },
  })
  t.equal(err.code, 'MN_ERR_TLS_LOAD')
  t.equal(err.status, 500)
  t.equal(err.message, 'cannot load TLS key pair: key does not match certificate')
  t.equal(err.cause, cause)
  t.same(err.details, { file: 'tls.crt' })
  t.ok(isMultinetError(err))
  t.notOk(isMultinetError(cause))
})

t.test('every catalogue entry has a client or server status and a message', async (t) => {
  for (const [code, spec] of Object.entries(ERRORS)) {
    t.match(code, /^MN_ERR_[A-Z_]+$/)
    t.ok(spec.status >= 400 && spec.status < 600, code)
    t.ok(spec.message.length > 0, code)
  }
})

t.test('messageOf handles errors and other thrown values', async (t) => {
  t.equal(messageOf(new Error('x')), 'x')
  t.equal(messageOf('plain'), 'plain')
  t.equal(messageOf(42), '42')
})
