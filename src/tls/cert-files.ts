import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { MultinetError, messageOf } from '../errors.js'
import {
  ensureCertificates,
  type CertBundle,
  type CertMaterial,
  type CertPlan,
  type CertRequest,
} from './renew.js'

/** File names inside an output folder; the same keys a kubernetes.io/tls Secret uses. */
export const CERT_FILES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  cert: 'tls.crt',
  key: 'tls.key',
} as const satisfies Record<keyof CertBundle, string>

/** What the folder holds; missing files are simply absent (a first run). */
export async function readCertDir(dir: string): Promise<CertMaterial> {
  const material: Record<string, string> = {}
  for (const [field, name] of Object.entries(CERT_FILES)) {
    const path = join(dir, name)
    try {
      material[field] = await readFile(path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue
      throw new MultinetError('MN_ERR_FILE_READ', `${path}: ${messageOf(err)}`, { cause: err })
    }
  }
  return material
}

/**
 * Writes the four files, each to a temporary name and then renamed, so that a reader never sees
 * a half-written file. Between two renames the folder briefly holds a new key with an old
 * certificate: the running webhook's certificate source refuses that mismatch and retries.
 */
export async function writeCertDir(dir: string, bundle: CertBundle): Promise<void> {
  await mkdir(dir, { recursive: true })
  const order: (keyof CertBundle)[] = ['caKey', 'caCert', 'key', 'cert']
  for (const field of order) {
    const path = join(dir, CERT_FILES[field])
    const secret = field === 'key' || field === 'caKey'
    await writeAtomically(path, bundle[field], secret ? 0o600 : 0o644)
  }
}

export async function writeAtomically(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, data, { mode })
  await rename(tmp, path)
}

/**
 * Reuses the folder's CA and certificate while they are sound and valid beyond the renewal
 * window, renewing (and rewriting the folder) otherwise.
 */
export async function ensureCertDir(
  dir: string,
  request: CertRequest,
  now: Date = new Date(),
): Promise<CertPlan> {
  const plan = ensureCertificates(await readCertDir(dir), request, now)
  if (plan.caRenewed || plan.certRenewed) await writeCertDir(dir, plan.bundle)
  return plan
}
