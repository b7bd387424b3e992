import { createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto'
import forge from 'node-forge'
import t from 'tap'
import { buildCertificate, keyIdentifier } from '../../src/tls/x509.js'

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1'
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2'
const now = new Date()
const inDays = (d: number) => new Date(now.getTime() + d * 86_400_000)

const ec = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' })

t.test('an ECDSA self-signed CA and an ECDSA leaf it signs', async (t) => {
  const caKeys = ec()
  const caPem = buildCertificate({
    commonName: 'test-ca',
    publicKey: caKeys.publicKey,
    signingKey: caKeys.privateKey,
    notBefore: now,
    notAfter: inDays(10),
    usage: 'ca',
  })
  const ca = new X509Certificate(caPem)
  t.equal(ca.ca, true)
  t.equal(ca.subject, 'CN=test-ca')
  t.equal(ca.issuer, 'CN=test-ca')
  t.ok(ca.verify(caKeys.publicKey), 'self-signed')
  t.ok(ca.raw.includes(keyIdentifier(caKeys.publicKey)), 'carries its subjectKeyIdentifier')

  const leafKeys = ec()
  const leafPem = buildCertificate({
    commonName: 'svc.ns.svc',
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    issuer: { certPem: caPem, publicKey: caKeys.publicKey },
    notBefore: now,
    notAfter: inDays(5),
    usage: 'server',
    dnsNames: ['svc', 'svc.ns'],
    ipAddresses: ['127.0.0.1', '::1'],
  })
  const leaf = new X509Certificate(leafPem)
  t.equal(leaf.ca, false)
  t.ok(leaf.checkIssued(ca))
  t.ok(leaf.verify(caKeys.publicKey))
  t.equal(
    leaf.subjectAltName,
    'DNS:svc, DNS:svc.ns, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
  )
  t.same(leaf.keyUsage, [SERVER_AUTH])
  t.equal(leaf.checkHost('svc.ns'), 'svc.ns')
  t.equal(leaf.checkIP('127.0.0.1'), '127.0.0.1')
  t.ok(
    leaf.raw.includes(keyIdentifier(caKeys.publicKey)),
    'authorityKeyIdentifier names the CA key',
  )
  t.match(leaf.serialNumber, /^[4-7][0-9A-F]{31}$/, '16 bytes, positive, no leading zero')
  t.equal(new Date(leaf.validTo).getTime(), Math.floor(inDays(5).getTime() / 1000) * 1000)
})

t.test('RSA works on the same path, and node-forge itself verifies the result', async (t) => {
  const caKeys = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const caPem = buildCertificate({
    commonName: 'rsa-ca',
    publicKey: caKeys.publicKey,
    signingKey: caKeys.privateKey,
    notBefore: now,
    notAfter: inDays(10),
    usage: 'ca',
  })
  const leafKeys = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const leafPem = buildCertificate({
    commonName: 'client',
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    issuer: { certPem: caPem, publicKey: caKeys.publicKey },
    notBefore: now,
    notAfter: inDays(5),
    usage: 'client',
  })
  const leaf = new X509Certificate(leafPem)
  t.same(leaf.keyUsage, [CLIENT_AUTH])
  t.equal(leaf.subjectAltName, undefined, 'no SAN extension without names')
  const forgeCa = forge.pki.certificateFromPem(caPem)
  const forgeLeaf = forge.pki.certificateFromPem(leafPem)
  t.ok(forgeCa.verify(forgeLeaf), 'forge verifies the RSA signature')
  t.equal(forgeLeaf.getExtension('keyUsage') !== null, true)
  t.match(forgeLeaf.getExtension('keyUsage'), { keyEncipherment: true, digitalSignature: true })
})

t.test('dates from 2050 on are GeneralizedTime', async (t) => {
  const keys = ec()
  const pem = buildCertificate({
    commonName: 'long',
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    notBefore: now,
    notAfter: new Date('2051-06-01T00:00:00Z'),
    usage: 'ca',
  })
  t.match(new X509Certificate(pem).validTo, /2051/)
})

t.test('an unsupported signing key is refused', async (t) => {
  const keys = generateKeyPairSync('ed25519')
  t.throws(
    () =>
      buildCertificate({
        commonName: 'x',
        publicKey: keys.publicKey,
        signingKey: keys.privateKey,
        notBefore: now,
        notAfter: inDays(1),
        usage: 'ca',
      }),
    { message: 'unsupported signing key type ed25519' },
  )
})

t.test('keyIdentifier is 20 bytes and depends only on the public key', async (t) => {
  const keys = ec()
  const id = keyIdentifier(keys.publicKey)
  t.equal(id.length, 20)
  t.same(keyIdentifier(createPublicKey(keys.privateKey)), id)
  t.notSame(keyIdentifier(ec().publicKey), id)
})
