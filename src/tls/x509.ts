/**
 * X.509 certificate building for any key Node can sign with. node-forge builds and signs only
 * RSA certificates, and our default is ECDSA P-256, so forge is used for what it does for every
 * algorithm (ASN.1/DER encoding, names, extensions) while the key pair comes from `node:crypto`
 * and the signature from `crypto.sign`. One code path serves ECDSA and RSA alike.
 */
import { createHash, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto'
import forge from 'node-forge'

const { asn1 } = forge
type Asn1 = forge.asn1.Asn1

export type Usage = 'ca' | 'server' | 'client'

export interface CertificateSpec {
  readonly commonName: string
  readonly publicKey: KeyObject
  /** The private key that signs: the subject's own for a self-signed CA, else the issuer's. */
  readonly signingKey: KeyObject
  /** The issuing CA; absent for a self-signed certificate. */
  readonly issuer?: { readonly certPem: string; readonly publicKey: KeyObject }
  readonly notBefore: Date
  readonly notAfter: Date
  readonly usage: Usage
  readonly dnsNames?: readonly string[]
  readonly ipAddresses?: readonly string[]
}

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
} as const

/** Builds, signs and PEM-encodes one certificate. */
export function buildCertificate(spec: CertificateSpec): string {
  const forgeCert = forge.pki.createCertificate()
  const subject = [{ name: 'commonName', value: spec.commonName }]
  forgeCert.setSubject(subject)
  forgeCert.setExtensions(extensionsFor(spec))
  const subjectDn = forge.pki.distinguishedNameToAsn1(forgeCert.subject)
  const issuerDn = spec.issuer ? subjectDnOf(spec.issuer.certPem) : subjectDn
  const algorithm = signatureAlgorithm(spec.signingKey)
  const tbs = seq([
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [integer(2)]), // v3
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, serialNumber()),
    algorithm,
    issuerDn,
    seq([time(spec.notBefore), time(spec.notAfter)]),
    subjectDn,
    fromDer(spec.publicKey.export({ type: 'spki', format: 'der' })),
    extensionsToAsn1(forgeCert.extensions), // [3] { SEQUENCE OF Extension }
  ])
  const tbsDer = toDer(tbs)
  const signature = sign('sha256', tbsDer, spec.signingKey)
  const certificate = seq([
    tbs,
    algorithm,
    asn1.create(
      asn1.Class.UNIVERSAL,
      asn1.Type.BITSTRING,
      false,
      '\x00' + signature.toString('binary'),
    ),
  ])
  return new X509Certificate(toDer(certificate)).toString()
}

/**
 * Key identifier: the first 160 bits of SHA-256 over the SubjectPublicKeyInfo (RFC 7093 §2).
 * Used for a CA's subjectKeyIdentifier and the authorityKeyIdentifier of what it signs.
 */
export function keyIdentifier(publicKey: KeyObject): Buffer {
  const spki = publicKey.export({ type: 'spki', format: 'der' })
  return createHash('sha256').update(spki).digest().subarray(0, 20)
}

function extensionsFor(spec: CertificateSpec): object[] {
  const isRsa = spec.publicKey.asymmetricKeyType === 'rsa'
  const ski = { id: OID.subjectKeyIdentifier, value: octets(keyIdentifier(spec.publicKey)) }
  if (spec.usage === 'ca') {
    return [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      {
        name: 'keyUsage',
        keyCertSign: true,
        cRLSign: true,
        digitalSignature: true,
        critical: true,
      },
      ski,
    ]
  }
  const extensions: object[] = [
    { name: 'basicConstraints', cA: false, critical: true },
    // RSA key exchange (TLS 1.2 without ECDHE) needs keyEncipherment; ECDSA keys never do.
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: isRsa, critical: true },
    {
      name: 'extKeyUsage',
      serverAuth: spec.usage === 'server',
      clientAuth: spec.usage === 'client',
    },
    ski,
  ]
  const altNames = [
    ...(spec.dnsNames ?? []).map((value) => ({ type: 2, value })),
    ...(spec.ipAddresses ?? []).map((ip) => ({ type: 7, ip })),
  ]
  if (altNames.length > 0) extensions.push({ name: 'subjectAltName', altNames })
  if (spec.issuer) {
    const aki = seq([
      asn1.create(
        asn1.Class.CONTEXT_SPECIFIC,
        0,
        false,
        keyIdentifier(spec.issuer.publicKey).toString('binary'),
      ),
    ])
    extensions.push({ id: OID.authorityKeyIdentifier, value: aki })
  }
  return extensions
}

/** The issuer's subject Name, byte for byte, so that chain building matches it exactly. */
function subjectDnOf(certPem: string): Asn1 {
  const cert = fromDer(new X509Certificate(certPem).raw)
  const tbs = (cert.value as Asn1[])[0] as Asn1
  const fields = tbs.value as Asn1[]
  // Fields: [0] version (explicit, optional), serial, signature, issuer, validity, subject.
  const hasVersion = (fields[0] as Asn1).tagClass === asn1.Class.CONTEXT_SPECIFIC
  return fields[hasVersion ? 5 : 4] as Asn1
}

function signatureAlgorithm(key: KeyObject): Asn1 {
  if (key.asymmetricKeyType === 'ec') return seq([oid(OID.ecdsaWithSha256)])
  if (key.asymmetricKeyType === 'rsa') {
    return seq([
      oid(OID.sha256WithRsa),
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''),
    ])
  }
  throw new Error(`unsupported signing key type ${String(key.asymmetricKeyType)}`)
}

/** 16 random bytes, positive and without a leading zero byte (RFC 5280 §4.1.2.2). */
function serialNumber(): string {
  const bytes = randomBytes(16)
  bytes[0] = ((bytes[0] as number) & 0x7f) | 0x40
  return bytes.toString('binary')
}

/** UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5). */
function time(date: Date): Asn1 {
  return date.getUTCFullYear() < 2050
    ? asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(
        asn1.Class.UNIVERSAL,
        asn1.Type.GENERALIZEDTIME,
        false,
        asn1.dateToGeneralizedTime(date),
      )
}

function extensionsToAsn1(extensions: unknown[]): Asn1 {
  // Present in node-forge since 0.x but missing from @types/node-forge.
  const pki = forge.pki as unknown as { certificateExtensionsToAsn1(e: unknown[]): Asn1 }
  return pki.certificateExtensionsToAsn1(extensions)
}

function seq(values: Asn1[]): Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, values)
}

function oid(value: string): Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(value).getBytes())
}

function integer(value: number): Asn1 {
  return asn1.create(
    asn1.Class.UNIVERSAL,
    asn1.Type.INTEGER,
    false,
    asn1.integerToDer(value).getBytes(),
  )
}

function octets(bytes: Buffer): Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, bytes.toString('binary'))
}

function fromDer(der: Buffer): Asn1 {
  return asn1.fromDer(forge.util.createBuffer(der.toString('binary')))
}

function toDer(value: Asn1): Buffer {
  return Buffer.from(asn1.toDer(value).getBytes(), 'binary')
}
