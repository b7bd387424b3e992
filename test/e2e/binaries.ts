/**
 * Finds kube-apiserver and etcd: `MULTINET_E2E_BIN` when set (run.sh sets it), otherwise the
 * cached build from build-bins.sh, which answers at once when the binaries are already built.
 */
import { execFileSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface Binaries {
  dir: string
  apiserver: string
  etcd: string
}

const BUILD_SCRIPT = fileURLToPath(new URL('./build-bins.sh', import.meta.url))

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

export function binariesIn(dir: string): Binaries {
  const bins = { dir, apiserver: join(dir, 'kube-apiserver'), etcd: join(dir, 'etcd') }
  const missing = [bins.apiserver, bins.etcd].filter((p) => !executable(p))
  if (missing.length > 0) {
    throw new Error(`missing e2e binaries: ${missing.join(', ')} (run bash ${BUILD_SCRIPT})`)
  }
  return bins
}

export function locateBinaries(env: NodeJS.ProcessEnv = process.env): Binaries {
  const fromEnv = env.MULTINET_E2E_BIN
  if (fromEnv) return binariesIn(fromEnv)
  // Build progress goes to our stderr; the bin dir is the last line of stdout.
  const out = execFileSync('bash', [BUILD_SCRIPT], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...env, HELM_VERSION: env.HELM_VERSION ?? '' },
  })
  const dir = out.trim().split('\n').pop() ?? ''
  return binariesIn(dir)
}
