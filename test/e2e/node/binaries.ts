/**
 * The node's own binaries: kubelet and pause from build-bins.sh (MULTINET_E2E_NODE=1), in the
 * same cached dir as kube-apiserver; containerd, ctr and runc from Debian's packages.
 */
import { execFileSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface NodeBinaries {
  kubelet: string
  pause: string
}

const BUILD_SCRIPT = fileURLToPath(new URL('../build-bins.sh', import.meta.url))
const PACKAGES: Record<string, string> = {
  containerd: 'containerd',
  ctr: 'containerd',
  runc: 'runc',
  nsenter: 'util-linux',
  flock: 'util-linux',
  ip: 'iproute2',
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d !== '' && executable(join(d, cmd)))
}

export function locateNodeBinaries(env: NodeJS.ProcessEnv = process.env): NodeBinaries {
  const missing = Object.keys(PACKAGES).filter(
    (cmd) => !onPath(cmd) && !executable(`/usr/sbin/${cmd}`),
  )
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map((m) => PACKAGES[m]))].join(' ')
    throw new Error(`the real-node e2e needs ${missing.join(', ')} (apt-get install ${pkgs})`)
  }
  const inDir = (dir: string): NodeBinaries => ({
    kubelet: join(dir, 'kubelet'),
    pause: join(dir, 'pause'),
  })
  const fromEnv = env.MULTINET_E2E_BIN
  if (fromEnv) {
    const bins = inDir(fromEnv)
    if (executable(bins.kubelet) && executable(bins.pause)) return bins
  }
  // Builds kubelet and pause when missing; answers at once when they are cached.
  const out = execFileSync('bash', [BUILD_SCRIPT], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...env, MULTINET_E2E_NODE: '1', HELM_VERSION: env.HELM_VERSION ?? '' },
  })
  const bins = inDir(out.trim().split('\n').pop() ?? '')
  const absent = [bins.kubelet, bins.pause].filter((p) => !executable(p))
  if (absent.length > 0) throw new Error(`missing node binaries: ${absent.join(', ')}`)
  return bins
}
