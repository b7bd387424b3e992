/**
 * A throw-away PKI for one control plane: a CA that signs the apiserver's serving cert, node
 * client certs and (for later e2e files) the webhook's serving cert; plus the service-account
 * signing key. Test-only: keys live in the control plane's temp dir and die with it.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import forge from 'node-forge'

export interface KeyPairPem {
  certPem: string
  keyPem: string
}

export interface Pki {
  ca: KeyPairPem
  /** Serving cert for the given hosts (IPs and DNS names), signed by the CA. */
  issueServer(hosts: readonly string[], commonName?: string): KeyPairPem
  /** Client cert; Kubernetes reads the user from CN and the groups from O. */
  issueClient(user: string, groups?: readonly string[]): KeyPairPem
}

const DAY_MS = 24 * 60 * 60 * 1000

// RSA in pure JS takes seconds per key; Node's native generator takes milliseconds.
function newKeys(): forge.pki.rsa.KeyPair {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  })
  const priv = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey
  return { privateKey: priv, publicKey: forge.pki.setRsaPublicKey(priv.n, priv.e) }
}

function newCert(
  keys: forge.pki.rsa.KeyPair,
  subject: forge.pki.CertificateField[],
  issuer: forge.pki.CertificateField[],
  extensions: object[],
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate()
  cert.publicKey = keys.publicKey
  // Positive serial: a leading 0x00..0x7f byte keeps the DER integer unsigned.
  cert.serialNumber = '01' + randomBytes(15).toString('hex')
  // Back-dated an hour so that small clock differences never make a fresh cert "not yet valid".
  cert.validity.notBefore = new Date(Date.now() - 60 * 60 * 1000)
  cert.validity.notAfter = new Date(Date.now() + 7 * DAY_MS)
  cert.setSubject(subject)
  cert.setIssuer(issuer)
  cert.setExtensions(extensions)
  return cert
}

function altName(host: string): { type: number; ip?: string; value?: string } {
  // GeneralName types: 2 = dNSName, 7 = iPAddress. Go ignores the CN, so the SAN must be right.
  return /^[\d.]+$/.test(host) || host.includes(':')
    ? { type: 7, ip: host }
    : { type: 2, value: host }
}

export function createPki(): Pki {
  const caKeys = newKeys()
  const caSubject = [{ name: 'commonName', value: 'multinet-e2e-ca' }]
  const caCert = newCert(caKeys, caSubject, caSubject, [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ])
  caCert.sign(caKeys.privateKey, forge.md.sha256.create())

  const issue = (subject: forge.pki.CertificateField[], extensions: object[]): KeyPairPem => {
    const keys = newKeys()
    const cert = newCert(keys, subject, caCert.subject.attributes, [
      { name: 'basicConstraints', cA: false },
      {
        name: 'authorityKeyIdentifier',
        keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes(),
      },
      ...extensions,
    ])
    cert.sign(caKeys.privateKey, forge.md.sha256.create())
    return {
      certPem: forge.pki.certificateToPem(cert),
      keyPem: forge.pki.privateKeyToPem(keys.privateKey),
    }
  }

  return {
    ca: {
      certPem: forge.pki.certificateToPem(caCert),
      keyPem: forge.pki.privateKeyToPem(caKeys.privateKey),
    },
    issueServer: (hosts, commonName = hosts[0] ?? 'server') =>
      issue(
        [{ name: 'commonName', value: commonName }],
        [
          { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
          { name: 'extKeyUsage', serverAuth: true },
          { name: 'subjectAltName', altNames: hosts.map(altName) },
        ],
      ),
    issueClient: (user, groups = []) =>
      issue(
        [
          ...groups.map((g) => ({ name: 'organizationName', value: g })),
          { name: 'commonName', value: user },
        ],
        [
          { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
          { name: 'extKeyUsage', clientAuth: true },
        ],
      ),
  }
}

/** The service-account token signing key (the apiserver needs one even if no SA token is used). */
export function createSigningKey(): { publicPem: string; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  })
  return { publicPem: publicKey, privatePem: privateKey }
}
