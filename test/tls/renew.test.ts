import t from 'tap'
import { createCa, issueCertificate } from '../../src/tls/certs.js'
import { inspectCertificate } from '../../src/tls/inspect.js'
import { ensureCertificates, type CertRequest } from '../../src/tls/renew.js'

const DAY = 86_400_000
const REQUEST: CertRequest = {
  caCommonName: 'svc-ca',
  commonName: 'svc.ns.svc',
  dnsNames: ['svc', 'svc.ns', 'svc.ns.svc'],
  ipAddresses: [],
  key: { type: 'ecdsa' },
  caDays: 3650,
  certDays: 365,
  renewBeforeDays: 30,
  force: false,
}

t.test('a first run creates a CA and a serving certificate', async (t) => {
  const plan = ensureCertificates({}, REQUEST)
  t.equal(plan.caRenewed, true)
  t.equal(plan.certRenewed, true)
  t.same(plan.reasons, ['CA: none stored', 'certificate: CA renewed'])
  const cert = inspectCertificate(plan.bundle.cert)
  t.equal(cert.subject, 'CN=svc.ns.svc')
  t.equal(plan.caBundle, plan.bundle.caCert)
  t.equal(plan.certNotAfter.getTime(), cert.notAfter.getTime())
  t.equal(plan.caNotAfter.getTime(), inspectCertificate(plan.bundle.caCert).notAfter.getTime())
})

t.test('a sound, valid pair is reused as it is', async (t) => {
  const first = ensureCertificates({}, REQUEST).bundle
  const again = ensureCertificates(first, REQUEST)
  t.equal(again.caRenewed, false)
  t.equal(again.certRenewed, false)
  t.same(again.reasons, [])
  t.same(again.bundle, first)
})

t.test('the serving certificate alone is renewed when the CA is still good', async (t) => {
  const first = ensureCertificates({}, REQUEST).bundle
  const cases: [string, Partial<typeof first>, CertRequest, RegExp][] = [
    [
      'window',
      {},
      { ...REQUEST, renewBeforeDays: 400 },
      /certificate: expires .* \(renewal window 400 days\)/,
    ],
    [
      'names',
      {},
      { ...REQUEST, dnsNames: [...REQUEST.dnsNames, 'extra'], ipAddresses: ['10.0.0.1'] },
      /certificate: does not cover extra, 10.0.0.1/,
    ],
    ['missing key', { key: undefined }, REQUEST, /certificate: none stored/],
    [
      'mismatch',
      { key: ensureCertificates({}, REQUEST).bundle.key },
      REQUEST,
      /certificate: cannot load TLS key pair: private key does not match/,
    ],
    [
      'foreign',
      { cert: ensureCertificates({}, REQUEST).bundle.cert, key: undefined },
      REQUEST,
      /certificate: none stored/,
    ],
  ]
  for (const [name, change, request, reason] of cases) {
    const plan = ensureCertificates({ ...first, ...change }, request)
    t.equal(plan.caRenewed, name === 'window' && request.renewBeforeDays > 3650, name)
    t.equal(plan.certRenewed, true, name)
    t.match(plan.reasons.join('; '), reason, name)
    t.equal(plan.bundle.caCert, first.caCert, `${name}: CA kept`)
  }
})

t.test('a certificate from another CA is replaced', async (t) => {
  const first = ensureCertificates({}, REQUEST).bundle
  const other = ensureCertificates({}, REQUEST).bundle
  const plan = ensureCertificates({ ...first, cert: other.cert, key: other.key }, REQUEST)
  t.match(plan.reasons, [/certificate: not issued by the CA CN=svc-ca/])
})

t.test(
  'the CA is renewed when it is unusable, expiring, of another key type, or forced',
  async (t) => {
    const first = ensureCertificates({}, REQUEST).bundle
    const notCa = issueCertificate(
      { certPem: first.caCert, keyPem: first.caKey },
      { commonName: 'leaf', usage: 'server', days: 10, key: { type: 'ecdsa' } },
    )
    const cases: [string, object, CertRequest, RegExp][] = [
      ['no key', { caKey: undefined }, REQUEST, /^CA: CA key not stored$/],
      [
        'bad key',
        { caKey: first.key },
        REQUEST,
        /^CA: cannot load TLS key pair: private key does not match/,
      ],
      [
        'not a CA',
        { caCert: notCa.certPem, caKey: notCa.keyPem },
        REQUEST,
        /^CA: CN=leaf is not a CA certificate$/,
      ],
      [
        'expiring',
        {},
        { ...REQUEST, renewBeforeDays: 3650 },
        /^CA: expires .*\(renewal window 3650 days\)$/,
      ],
      [
        'rsa requested',
        {},
        { ...REQUEST, key: { type: 'rsa' } },
        /^CA: key type ec, rsa requested$/,
      ],
      ['forced', {}, { ...REQUEST, force: true }, /^CA: renewal forced$/],
    ]
    for (const [name, change, request, reason] of cases) {
      const plan = ensureCertificates({ ...first, ...change }, request)
      t.equal(plan.caRenewed, true, name)
      t.equal(plan.certRenewed, true, name)
      t.match(plan.reasons[0], reason, name)
      t.equal(plan.reasons[1], 'certificate: CA renewed', name)
    }
  },
)

t.test('a CA that is not valid yet is replaced', async (t) => {
  const future = createCa('svc-ca', 3650, { type: 'ecdsa' }, new Date(Date.now() + 10 * DAY))
  const plan = ensureCertificates({ caCert: future.certPem, caKey: future.keyPem }, REQUEST)
  t.match(plan.reasons[0], /^CA: not valid before /)
})

t.test('after a CA renewal the caBundle keeps the previous CA while it is valid', async (t) => {
  const first = ensureCertificates({}, REQUEST).bundle
  const plan = ensureCertificates(first, { ...REQUEST, force: true })
  const blocks = plan.caBundle.match(/-----BEGIN CERTIFICATE-----/g) ?? []
  t.equal(blocks.length, 2)
  t.ok(plan.caBundle.startsWith(plan.bundle.caCert.trimEnd()), 'new CA first')
  t.ok(plan.caBundle.includes(first.caCert.trim()))
  // An expired previous CA is dropped.
  const old = createCa('svc-ca', 1, { type: 'ecdsa' }, new Date(Date.now() - 10 * DAY))
  const next = ensureCertificates({ caCert: old.certPem, caKey: old.keyPem }, REQUEST)
  t.equal(next.caBundle, next.bundle.caCert)
  // An unreadable previous CA is ignored.
  const junk = ensureCertificates({ caCert: 'junk', caKey: 'junk' }, REQUEST)
  t.equal(junk.caBundle, junk.bundle.caCert)
})
