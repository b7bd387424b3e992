import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  X509Certificate,
  type KeyObject,
} from 'node:crypto'
import { MultinetError, messageOf } from '../errors.js'
import { buildCertificate, type Usage } from './x509.js'

export type KeyType = 'ecdsa' | 'rsa'

export interface KeySpec {
  readonly type: KeyType
  /** RSA modulus size; ignored for ECDSA (always P-256). */
  readonly rsaBits?: number
}

/** A certificate and its private key, both PEM (the key as PKCS#8). */
export interface CertKeyPair {
  readonly certPem: string
  readonly keyPem: string
}

export interface IssueSpec {
  readonly commonName: string
  readonly usage: Exclude<Usage, 'ca'>
  readonly dnsNames?: readonly string[]
  readonly ipAddresses?: readonly string[]
  readonly days: number
  readonly key: KeySpec
  readonly now?: Date
}

const DAY_MS = 24 * 60 * 60 * 1000
/** Backdating tolerates clocks that run a little behind ours (API server, other nodes). */
const BACKDATE_MS = 5 * 60 * 1000

/** The names a client inside the cluster may use for a Service, shortest first. */
export function serviceDnsNames(
  service: string,
  namespace: string,
  clusterDomain: string,
): string[] {
  return [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.${clusterDomain}`,
  ]
}

export function generateKey(spec: KeySpec): { privateKey: KeyObject; publicKey: KeyObject } {
  return spec.type === 'rsa'
    ? generateKeyPairSync('rsa', { modulusLength: spec.rsaBits ?? 2048 })
    : generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
}

/** A self-signed CA that may sign end-entity certificates only (pathLen 0). */
export function createCa(
  commonName: string,
  days: number,
  key: KeySpec,
  now: Date = new Date(),
): CertKeyPair {
  return guard(() => {
    const pair = generateKey(key)
    const certPem = buildCertificate({
      commonName,
      publicKey: pair.publicKey,
      signingKey: pair.privateKey,
      ...validity(now, days),
      usage: 'ca',
    })
    return { certPem, keyPem: pemOf(pair.privateKey) }
  })
}

/**
 * A new key and a certificate for it signed by `ca`. The certificate never outlives the CA:
 * its notAfter is capped at the CA's.
 */
export function issueCertificate(ca: CertKeyPair, spec: IssueSpec): CertKeyPair {
  return guard(() => {
    const caKey = createPrivateKey(ca.keyPem)
    const pair = generateKey(spec.key)
    const { notBefore, notAfter } = validity(spec.now ?? new Date(), spec.days)
    const caNotAfter = new Date(new X509Certificate(ca.certPem).validTo)
    const certPem = buildCertificate({
      commonName: spec.commonName,
      publicKey: pair.publicKey,
      signingKey: caKey,
      issuer: { certPem: ca.certPem, publicKey: createPublicKey(caKey) },
      notBefore,
      notAfter: notAfter > caNotAfter ? caNotAfter : notAfter,
      usage: spec.usage,
      dnsNames: spec.dnsNames ?? [],
      ipAddresses: spec.ipAddresses ?? [],
    })
    return { certPem, keyPem: pemOf(pair.privateKey) }
  })
}

function validity(now: Date, days: number): { notBefore: Date; notAfter: Date } {
  return {
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + days * DAY_MS),
  }
}

function pemOf(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }) as string
}

function guard<T>(build: () => T): T {
  try {
    return build()
  } catch (err) {
    throw new MultinetError('MN_ERR_CERT_GENERATE', messageOf(err), { cause: err })
  }
}
