import { createPrivateKey, X509Certificate } from 'node:crypto'
import { connect, createServer, type TLSSocket } from 'node:tls'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import {
  createCa,
  generateKey,
  issueCertificate,
  serviceDnsNames,
  type CertKeyPair,
} from '../../src/tls/certs.js'

t.test('the four DNS names of a Service', async (t) => {
  t.same(serviceDnsNames('mn', 'ops', 'cluster.local'), [
    'mn',
    'mn.ops',
    'mn.ops.svc',
    'mn.ops.svc.cluster.local',
  ])
})

t.test('generateKey: P-256 by default, RSA of the requested size', async (t) => {
  t.same(generateKey({ type: 'ecdsa' }).publicKey.asymmetricKeyDetails, {
    namedCurve: 'prime256v1',
  })
  t.equal(
    generateKey({ type: 'rsa', rsaBits: 3072 }).publicKey.asymmetricKeyDetails?.modulusLength,
    3072,
  )
  t.equal(generateKey({ type: 'rsa' }).publicKey.asymmetricKeyDetails?.modulusLength, 2048)
})

t.test('a CA, and a serving certificate that never outlives it', async (t) => {
  const ca = createCa('ca', 2, { type: 'ecdsa' })
  const caCert = new X509Certificate(ca.certPem)
  t.equal(caCert.ca, true)
  t.ok(new Date(caCert.validFrom).getTime() < Date.now() - 60_000, 'backdated for clock skew')
  const leaf = issueCertificate(ca, {
    commonName: 'svc',
    usage: 'server',
    dnsNames: ['svc'],
    days: 365,
    key: { type: 'ecdsa' },
  })
  t.equal(new X509Certificate(leaf.certPem).validTo, caCert.validTo)
  t.match(leaf.keyPem, /^-----BEGIN PRIVATE KEY-----/, 'PKCS#8')
})

t.test('RSA 3072 serving certificate under an RSA CA', async (t) => {
  const ca = createCa('rsa-ca', 10, { type: 'rsa', rsaBits: 2048 })
  const leaf = issueCertificate(ca, {
    commonName: 'svc',
    usage: 'server',
    dnsNames: ['svc'],
    days: 1,
    key: { type: 'rsa', rsaBits: 3072 },
  })
  t.equal(createPrivateKey(leaf.keyPem).asymmetricKeyDetails?.modulusLength, 3072)
  t.ok(new X509Certificate(leaf.certPem).verify(new X509Certificate(ca.certPem).publicKey))
})

t.test('failures are MN_ERR_CERT_GENERATE', async (t) => {
  const ca = createCa('ca', 1, { type: 'ecdsa' })
  t.throws(
    () =>
      issueCertificate(
        { ...ca, keyPem: 'not a key' },
        { commonName: 'x', usage: 'server', days: 1, key: { type: 'ecdsa' } },
      ),
    { code: 'MN_ERR_CERT_GENERATE' },
  )
})

/** A real TLS handshake against a server presenting `pair`; resolves with how it went. */
async function handshake(
  pair: CertKeyPair,
  ca: string,
  client: { servername?: string; maxVersion?: 'TLSv1.2' | 'TLSv1.3' },
): Promise<{ authorized: boolean; protocol: string | null; error?: string }> {
  const server = createServer({ key: pair.keyPem, cert: pair.certPem }, (s) => s.end())
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  try {
    return await new Promise((resolve) => {
      const socket: TLSSocket = connect({ host: '127.0.0.1', port, ca, ...client }, () => {
        resolve({ authorized: socket.authorized, protocol: socket.getProtocol() })
        socket.end()
      })
      socket.on('error', (err: NodeJS.ErrnoException) =>
        resolve({ authorized: false, protocol: null, error: err.code ?? err.message }),
      )
    })
  } finally {
    server.close()
  }
}

t.test(
  'the ECDSA chain completes real TLS 1.2 and 1.3 handshakes, by IP and by DNS name',
  async (t) => {
    const ca = createCa('ca', 1, { type: 'ecdsa' })
    const names = serviceDnsNames('multinet-webhook', 'multinet-system', 'cluster.local')
    const pair = issueCertificate(ca, {
      commonName: names[2] as string,
      usage: 'server',
      dnsNames: names,
      ipAddresses: ['127.0.0.1'],
      days: 1,
      key: { type: 'ecdsa' },
    })
    t.match(await handshake(pair, ca.certPem, {}), { authorized: true, protocol: 'TLSv1.3' })
    t.match(await handshake(pair, ca.certPem, { maxVersion: 'TLSv1.2' }), {
      authorized: true,
      protocol: 'TLSv1.2',
    })
    for (const servername of names) {
      t.match(await handshake(pair, ca.certPem, { servername }), { authorized: true }, servername)
    }
    t.match(await handshake(pair, ca.certPem, { servername: 'evil.example' }), {
      error: 'ERR_TLS_CERT_ALTNAME_INVALID',
    })
    const otherCa = createCa('other', 1, { type: 'ecdsa' })
    t.match(await handshake(pair, otherCa.certPem, {}), {
      authorized: false,
      error: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    })
  },
)

t.test(
  'an RSA pair completes a TLS 1.2 handshake (RSA key exchange needs keyEncipherment)',
  async (t) => {
    const ca = createCa('ca', 1, { type: 'rsa' })
    const pair = issueCertificate(ca, {
      commonName: 'x',
      usage: 'server',
      ipAddresses: ['127.0.0.1'],
      days: 1,
      key: { type: 'rsa' },
    })
    t.match(await handshake(pair, ca.certPem, { maxVersion: 'TLSv1.2' }), {
      authorized: true,
      protocol: 'TLSv1.2',
    })
  },
)
