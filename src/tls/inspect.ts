import { createPrivateKey, X509Certificate } from 'node:crypto'
import { MultinetError, messageOf } from '../errors.js'

/** What reuse decisions, readiness and metrics need to know about a certificate. */
export interface CertInfo {
  readonly subject: string
  readonly notBefore: Date
  readonly notAfter: Date
  readonly isCa: boolean
  /** `ec` or `rsa` (Node's asymmetricKeyType). */
  readonly keyType: string
  readonly fingerprint256: string
  readonly serialNumber: string
  readonly x509: X509Certificate
}

/** Parses the first certificate of a PEM (a chain file starts with the leaf). */
export function inspectCertificate(certPem: string | Buffer, label = 'certificate'): CertInfo {
  let x509: X509Certificate
  try {
    x509 = new X509Certificate(certPem)
  } catch (err) {
    throw new MultinetError(
      'MN_ERR_TLS_LOAD',
      `${label} is not a PEM certificate (${messageOf(err)})`,
      {
        cause: err,
      },
    )
  }
  return {
    subject: x509.subject,
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    isCa: x509.ca,
    keyType: x509.publicKey.asymmetricKeyType ?? 'unknown',
    fingerprint256: x509.fingerprint256,
    serialNumber: x509.serialNumber,
    x509,
  }
}

/**
 * Checks that a key and certificate belong together. A half-written or mismatched pair (the
 * new certificate with the old key during a rotation) fails here with a message that says so.
 */
export function checkPair(certPem: string | Buffer, keyPem: string | Buffer): CertInfo {
  const info = inspectCertificate(certPem)
  let matches: boolean
  try {
    matches = info.x509.checkPrivateKey(createPrivateKey(keyPem))
  } catch (err) {
    throw new MultinetError('MN_ERR_TLS_LOAD', `private key is not a PEM key (${messageOf(err)})`, {
      cause: err,
    })
  }
  if (!matches) {
    throw new MultinetError(
      'MN_ERR_TLS_LOAD',
      `private key does not match certificate ${info.subject} (serial ${info.serialNumber})`,
    )
  }
  return info
}

/** Certificates of a PEM bundle, in order; throws when none parses. */
export function splitPemBundle(pem: string, label: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []
  if (blocks.length === 0) {
    throw new MultinetError('MN_ERR_TLS_LOAD', `${label} holds no PEM certificate`)
  }
  return blocks.map((block) => inspectCertificate(block, label).x509)
}

/** Whether `cert` was signed by `ca` and names it as issuer. */
export function isIssuedBy(cert: CertInfo, ca: CertInfo): boolean {
  return cert.x509.checkIssued(ca.x509) && cert.x509.verify(ca.x509.publicKey)
}

/** The requested names the certificate does not cover (empty: it covers them all). */
export function missingNames(
  cert: CertInfo,
  dnsNames: readonly string[],
  ipAddresses: readonly string[],
): string[] {
  const missing = dnsNames.filter(
    (name) => cert.x509.checkHost(name, { wildcards: false, subject: 'never' }) === undefined,
  )
  for (const ip of ipAddresses) {
    if (cert.x509.checkIP(ip) === undefined) missing.push(ip)
  }
  return missing
}
