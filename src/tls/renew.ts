import { messageOf } from '../errors.js'
import { createCa, issueCertificate, type CertKeyPair, type KeySpec } from './certs.js'
import {
  checkPair,
  inspectCertificate,
  isIssuedBy,
  missingNames,
  type CertInfo,
} from './inspect.js'

/** PEM material as stored in files or a Secret; any part may be missing. */
export interface CertMaterial {
  readonly caCert?: string | undefined
  readonly caKey?: string | undefined
  readonly cert?: string | undefined
  readonly key?: string | undefined
}

export type CertBundle = { readonly [K in keyof CertMaterial]-?: string }

export interface CertRequest {
  readonly caCommonName: string
  readonly commonName: string
  readonly dnsNames: readonly string[]
  readonly ipAddresses: readonly string[]
  readonly key: KeySpec
  readonly caDays: number
  readonly certDays: number
  readonly renewBeforeDays: number
  readonly force: boolean
}

export interface CertPlan {
  readonly bundle: CertBundle
  readonly caRenewed: boolean
  readonly certRenewed: boolean
  /** Why each renewal happened, e.g. `CA: expires 2026-01-02T00:00:00.000Z (renewal window 30 days)`. */
  readonly reasons: readonly string[]
  /**
   * PEM for webhook `caBundle`: the current CA, followed by the previous one while it is still
   * valid, so that pods still serving the old certificate keep working until they reload.
   */
  readonly caBundle: string
  readonly caNotAfter: Date
  readonly certNotAfter: Date
}

const DAY_MS = 24 * 60 * 60 * 1000
const KEY_TYPES = { ecdsa: 'ec', rsa: 'rsa' } as const

/**
 * Reuses what is stored while it is sound and valid for longer than the renewal window;
 * otherwise creates what is needed. A new CA always means a new serving certificate.
 */
export function ensureCertificates(
  existing: CertMaterial,
  request: CertRequest,
  now: Date = new Date(),
): CertPlan {
  const reasons: string[] = []
  const window = request.renewBeforeDays * DAY_MS
  const oldCa = tryInspect(existing.caCert)
  const caProblem = request.force ? 'renewal forced' : problemWithCa(existing, request, now, window)
  let ca: CertKeyPair
  if (caProblem === undefined) {
    ca = { certPem: existing.caCert as string, keyPem: existing.caKey as string }
  } else {
    reasons.push(`CA: ${caProblem}`)
    ca = createCa(request.caCommonName, request.caDays, request.key, now)
  }
  const caInfo = inspectCertificate(ca.certPem)
  const certProblem =
    caProblem !== undefined ? 'CA renewed' : problemWithCert(existing, caInfo, request, now, window)
  let leaf: CertKeyPair
  if (certProblem === undefined) {
    leaf = { certPem: existing.cert as string, keyPem: existing.key as string }
  } else {
    reasons.push(`certificate: ${certProblem}`)
    leaf = issueCertificate(ca, {
      commonName: request.commonName,
      usage: 'server',
      dnsNames: request.dnsNames,
      ipAddresses: request.ipAddresses,
      days: request.certDays,
      key: request.key,
      now,
    })
  }
  const keepOld =
    caProblem !== undefined &&
    oldCa !== undefined &&
    oldCa.notAfter > now &&
    oldCa.fingerprint256 !== caInfo.fingerprint256
  return {
    bundle: { caCert: ca.certPem, caKey: ca.keyPem, cert: leaf.certPem, key: leaf.keyPem },
    caRenewed: caProblem !== undefined,
    certRenewed: certProblem !== undefined,
    reasons,
    caBundle: keepOld ? `${ensureNewline(ca.certPem)}${oldCa.x509.toString()}` : ca.certPem,
    caNotAfter: caInfo.notAfter,
    certNotAfter: inspectCertificate(leaf.certPem).notAfter,
  }
}

function problemWithCa(
  existing: CertMaterial,
  request: CertRequest,
  now: Date,
  window: number,
): string | undefined {
  if (existing.caCert === undefined) return 'none stored'
  if (existing.caKey === undefined) return 'CA key not stored'
  let info: CertInfo
  try {
    info = checkPair(existing.caCert, existing.caKey)
  } catch (err) {
    return messageOf(err)
  }
  if (!info.isCa) return `${info.subject} is not a CA certificate`
  return problemWithValidity(info, request, now, window)
}

function problemWithCert(
  existing: CertMaterial,
  ca: CertInfo,
  request: CertRequest,
  now: Date,
  window: number,
): string | undefined {
  if (existing.cert === undefined || existing.key === undefined) return 'none stored'
  let info: CertInfo
  try {
    info = checkPair(existing.cert, existing.key)
  } catch (err) {
    return messageOf(err)
  }
  if (!isIssuedBy(info, ca)) return `not issued by the CA ${ca.subject}`
  const missing = missingNames(info, request.dnsNames, request.ipAddresses)
  if (missing.length > 0) return `does not cover ${missing.join(', ')}`
  return problemWithValidity(info, request, now, window)
}

function problemWithValidity(
  info: CertInfo,
  request: CertRequest,
  now: Date,
  window: number,
): string | undefined {
  const wanted = KEY_TYPES[request.key.type]
  if (info.keyType !== wanted) return `key type ${info.keyType}, ${wanted} requested`
  if (info.notBefore > now) return `not valid before ${info.notBefore.toISOString()}`
  if (info.notAfter.getTime() - now.getTime() <= window) {
    return `expires ${info.notAfter.toISOString()} (renewal window ${request.renewBeforeDays} days)`
  }
  return undefined
}

function tryInspect(pem: string | undefined): CertInfo | undefined {
  if (pem === undefined) return undefined
  try {
    return inspectCertificate(pem)
  } catch {
    return undefined
  }
}

function ensureNewline(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`
}
