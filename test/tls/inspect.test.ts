import t from 'tap'
import { createCa, issueCertificate } from '../../src/tls/certs.js'
import {
  checkPair,
  inspectCertificate,
  isIssuedBy,
  missingNames,
  splitPemBundle,
} from '../../src/tls/inspect.js'
import { serverPair, testCa } from '../fixtures/tls/pki.js'

const ca = testCa()
const pair = serverPair(ca)

t.test('inspectCertificate reads what decisions need', async (t) => {
  const info = inspectCertificate(pair.certPem)
  t.equal(info.subject, 'CN=localhost')
  t.equal(info.isCa, false)
  t.equal(info.keyType, 'ec')
  t.ok(info.notAfter > info.notBefore)
  t.match(info.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
  t.ok(inspectCertificate(ca.certPem).isCa)
})

t.test('a chain file is read by its first certificate', async (t) => {
  t.equal(inspectCertificate(pair.certPem + ca.certPem).subject, 'CN=localhost')
})

t.test('garbage is MN_ERR_TLS_LOAD naming what was being read', async (t) => {
  t.throws(() => inspectCertificate('nope', 'client CA'), {
    code: 'MN_ERR_TLS_LOAD',
    message: /client CA is not a PEM certificate/,
  })
})

t.test('checkPair refuses a mismatched or unreadable key', async (t) => {
  t.equal(checkPair(pair.certPem, pair.keyPem).subject, 'CN=localhost')
  const other = serverPair(ca)
  t.throws(() => checkPair(pair.certPem, other.keyPem), {
    code: 'MN_ERR_TLS_LOAD',
    message: /private key does not match certificate CN=localhost \(serial [0-9A-F]+\)/,
  })
  t.throws(() => checkPair(pair.certPem, pair.keyPem.slice(0, 60)), {
    message: /private key is not a PEM key/,
  })
  t.throws(() => checkPair(pair.certPem.slice(0, 100), pair.keyPem), {
    message: /certificate is not a PEM certificate/,
  })
})

t.test('splitPemBundle returns each certificate and refuses an empty bundle', async (t) => {
  t.equal(splitPemBundle(ca.certPem + testCa('b').certPem, 'ca').length, 2)
  t.throws(() => splitPemBundle('# empty\n', 'client CA file x'), {
    message: 'cannot load TLS key pair: client CA file x holds no PEM certificate',
  })
})

t.test('isIssuedBy and missingNames', async (t) => {
  const info = inspectCertificate(pair.certPem)
  t.ok(isIssuedBy(info, inspectCertificate(ca.certPem)))
  t.notOk(isIssuedBy(info, inspectCertificate(testCa().certPem)), 'same name, other key')
  t.same(missingNames(info, ['localhost'], ['127.0.0.1']), [])
  t.same(missingNames(info, ['localhost', 'svc'], ['127.0.0.1', '::1']), ['svc', '::1'])
  // The subject CN is never taken for a DNS name.
  const cnOnly = issueCertificate(createCa('c', 1, { type: 'ecdsa' }), {
    commonName: 'svc',
    usage: 'server',
    ipAddresses: ['127.0.0.1'],
    days: 1,
    key: { type: 'ecdsa' },
  })
  t.same(missingNames(inspectCertificate(cnOnly.certPem), ['svc'], []), ['svc'])
})
