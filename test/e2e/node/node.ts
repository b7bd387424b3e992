/**
 * A real Kubernetes node for end-to-end tests: containerd (CRI) + runc + a real kubelet,
 * registered to an e2e control plane, with locally made images (pause, busybox) and a primary
 * network (a bridge of its own with host-local IPAM in a 10.253.x.0/24). Needs root.
 *
 * Host changes are recorded first and undone on every exit path by one script (host.ts): by
 * stop(), and by a watchdog that runs it when the test process dies without stopping the node
 * (SIGINT, SIGTERM from a tap timeout, SIGKILL, a crash).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import type { ControlPlane } from '../control-plane.js'
import { logTail, type Managed } from '../processes.js'
import { containerdPaths, ctrFor, startContainerd } from './containerd.js'
import {
  cgroupHierarchies,
  cleanupScript,
  leftovers,
  snapshotHost,
  type CleanupTarget,
} from './host.js'
import { busyboxImage, importImages, ociArchive, pauseImage, PAUSE_IMAGE } from './images.js'
import { kubeletPaths, startKubelet, waitNodeReady } from './kubelet.js'
import { locateNodeBinaries } from './binaries.js'

export { BUSYBOX_IMAGE, PAUSE_IMAGE } from './images.js'

/** Where Debian's containernetworking-plugins puts the standard plugins. */
export const SYSTEM_CNI_DIR = '/usr/lib/cni'

export interface NodeOptions {
  /** Node name (default: a unique `mne2e-node-xxxx`). */
  name?: string
  /**
   * Where the primary network's conflist goes: 'conf-dir' (default) makes it the node's CNI
   * config, and startNode waits for the Node to be Ready; 'aside' writes it outside the conf dir
   * (for an agent that wraps it, given by path), and the caller waits with waitReady() once
   * a config exists.
   */
  primary?: 'conf-dir' | 'aside'
  /** Extra executables to link into the CNI bin dir: file name -> path. */
  cniPlugins?: Record<string, string>
  /** Host links the test will make (bridges of its NADs, macvlan masters): removed on cleanup. */
  links?: string[]
  keepDir?: boolean
}

export interface PrimaryNetwork {
  /** The conflist's `name` and file path in the CNI conf dir. */
  name: string
  file: string
  bridge: string
  subnet: string
  /** host-local's data dir: one file per reserved IP under `<dataDir>/<name>/`. */
  dataDir: string
  conflist: Record<string, unknown>
}

export interface RealNode {
  readonly name: string
  readonly dir: string
  /** The kubelet's cgroup root (relative to each hierarchy). */
  readonly cgroupRoot: string
  readonly cniBinDir: string
  readonly cniConfDir: string
  readonly primary: PrimaryNetwork
  readonly podResourcesSocket: string
  readonly containerdSocket: string
  /** `ctr --address <ours> ...`; throws with ctr's stderr. */
  ctr(args: string[]): string
  /** Links `path` into the CNI bin dir as `name` (e.g. a test plugin). */
  addCniPlugin(name: string, path: string): void
  /** A pod's sandbox: its id and network namespace path (from containerd's sandbox spec). */
  sandbox(podUid: string): { id: string; netns: string } | undefined
  /** The network namespace path of a pod's sandbox, if any. */
  sandboxNetns(podUid: string): string | undefined
  /** Runs a command inside a network namespace (nsenter --net). */
  inNetns(netns: string, args: string[]): string
  /** The reserved IPs in a host-local data dir for a network name. */
  reservations(dataDir: string, network: string): string[]
  /** The same, with the container (sandbox) id that holds each (host-local's file content). */
  reservationOwners(dataDir: string, network: string): { ip: string; containerId: string }[]
  /** Waits for the Node to be Ready (once a CNI config exists in the conf dir). */
  waitReady(): Promise<void>
  logTails(lines?: number): string
  /** What this node left on the host (empty once stopped cleanly). */
  leftovers(): string[]
  stop(): Promise<void>
}

export function requireRoot(what: string): void {
  if (process.getuid?.() !== 0) {
    throw new Error(
      `${what} needs root: it runs containerd, runc and a kubelet on this machine (CI runs as root; locally: sudo npm run test:e2e)`,
    )
  }
}

const hex = (bytes: number): string => randomBytes(bytes).toString('hex')

function primaryNetwork(dir: string, confDir: string): PrimaryNetwork {
  const bridge = `mne2ebr${hex(2)}`
  // A random /24 inside 10.253.0.0/16; x.0 and x.255 avoided for readability.
  const octet = 1 + ((randomBytes(1)[0] ?? 0) % 254)
  const subnet = `10.253.${octet}.0/24`
  const name = 'mne2e-primary'
  const dataDir = join(dir, 'cni/ipam')
  const conflist = {
    cniVersion: '1.0.0',
    name,
    plugins: [
      {
        type: 'bridge',
        bridge,
        isGateway: false,
        ipMasq: false,
        ipam: { type: 'host-local', dataDir, ranges: [[{ subnet }]] },
      },
    ],
  }
  return {
    name,
    file: join(confDir, '50-mne2e-primary.conflist'),
    bridge,
    subnet,
    dataDir,
    conflist,
  }
}

/**
 * One real node at a time per machine: the kubelet uses hard-coded host paths
 * (/var/lib/kubelet/device-plugins, /var/log/containers), and the snapshot/restore assumes nobody
 * else changes the same sysctls and cgroups meanwhile. Another e2e run on the machine waits.
 */
export const NODE_LOCK = '/run/lock/multinet-e2e-node.lock'
const END_OF_SCRIPT = '#multinet-end-of-script'

// The watchdog takes the machine-wide lock, then reads the cleanup script from its stdin (a pipe
// only we hold), then waits: "disarm" (stop() already cleaned up) or EOF (we died, however we
// died) runs the script. It holds the lock until then, so the next node starts on a clean host.
// Own process group: a terminal's Ctrl-C must not kill it before it cleaned up.
const WATCHDOG = `
trap '' INT HUP TERM
exec 9>>${NODE_LOCK}
flock -x 9 || exit 1
echo locked
exec >/dev/null
script=''
while IFS= read -r line; do
  [ "$line" = '${END_OF_SCRIPT}' ] && break
  script="$script$line
"
done
read -r cmd
[ "$cmd" = disarm ] && exit 0
eval "$script"
`

interface Watchdog {
  stdin: NodeJS.WritableStream | null
  arm(script: string): void
}

async function armWatchdog(timeoutMs = 900_000): Promise<Watchdog & ChildProcess> {
  const dog = spawn('/bin/sh', ['-c', WATCHDOG, 'multinet-node-watchdog'], {
    stdio: ['pipe', 'pipe', 'ignore'],
    detached: true,
  })
  dog.on('error', () => {})
  dog.stdin?.on('error', () => {})
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`another e2e node has held ${NODE_LOCK} for ${timeoutMs} ms`))
    }, timeoutMs)
    dog.stdout?.once('data', () => {
      clearTimeout(timer)
      resolve()
    })
    dog.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the node watchdog exited (${code}) before taking ${NODE_LOCK}`))
    })
  }).catch((err: unknown) => {
    dog.kill('SIGKILL')
    throw err
  })
  // Neither the watchdog nor its pipes may keep the test process alive.
  dog.unref()
  for (const s of [dog.stdin, dog.stdout])
    (s as unknown as { unref?: () => void } | null)?.unref?.()
  return Object.assign(dog, {
    arm(script: string) {
      dog.stdin?.write(`${script}\n${END_OF_SCRIPT}\n`)
    },
  })
}

export async function startNode(cp: ControlPlane, opts: NodeOptions = {}): Promise<RealNode> {
  requireRoot('the real-node e2e harness')
  const bins = locateNodeBinaries()
  const dog = await armWatchdog()
  const name = opts.name ?? `mne2e-node-${hex(2)}`
  const keepDir = opts.keepDir ?? process.env.MULTINET_E2E_KEEP === '1'
  const dir = mkdtempSync('/tmp/mne2e-node-')
  for (const sub of ['logs', 'images']) mkdirSync(join(dir, sub))
  const cd = containerdPaths(dir)
  const kl = kubeletPaths(dir)
  const cgroupRoot = `mne2e-${hex(3)}`
  const aside = opts.primary === 'aside'
  const primary = primaryNetwork(dir, aside ? join(dir, 'cni/primary') : cd.cniConfDir)

  const snap = snapshotHost()
  const target: CleanupTarget = {
    dir,
    cgroupRoot,
    links: [primary.bridge, ...(opts.links ?? [])],
    keepDir,
  }
  const script = cleanupScript(snap, target)
  dog.arm(script)
  const runCleanup = (): void => {
    execFileSync('/bin/sh', ['-c', script], { stdio: 'ignore', timeout: 60_000 })
  }

  let containerd: Managed | undefined
  let kubelet: Managed | undefined
  let stopped = false
  const ctr = ctrFor(cd.socket)

  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    // Graceful first (the kubelet and containerd flush state), then the script for the rest.
    await kubelet?.stop(10_000)
    await containerd?.stop(10_000)
    runCleanup()
    dog.stdin?.end('disarm\n')
  }

  const node: RealNode = {
    name,
    dir,
    cgroupRoot,
    cniBinDir: cd.cniBinDir,
    cniConfDir: cd.cniConfDir,
    primary,
    podResourcesSocket: kl.podResourcesSocket,
    containerdSocket: cd.socket,
    ctr,
    addCniPlugin(pluginName, path) {
      const link = join(cd.cniBinDir, pluginName)
      rmSync(link, { force: true })
      symlinkSync(path, link)
    },
    sandboxNetns(podUid) {
      return node.sandbox(podUid)?.netns
    },
    sandbox(podUid) {
      // Failed or stopped sandboxes of the same pod may still be listed: only a running one counts.
      const running = new Set(
        ctr(['-n', 'k8s.io', 'tasks', 'ls'])
          .split('\n')
          .map((l) => l.trim().split(/\s+/))
          .filter((f) => f[2] === 'RUNNING')
          .map((f) => f[0]),
      )
      for (const id of ctr(['-n', 'k8s.io', 'containers', 'ls', '-q']).split('\n')) {
        if (!id || !running.has(id)) continue
        let info: {
          Labels?: Record<string, string>
          Spec?: { linux?: { namespaces?: { type: string; path?: string }[] } }
        }
        try {
          info = JSON.parse(ctr(['-n', 'k8s.io', 'containers', 'info', id])) as typeof info
        } catch {
          continue // removed meanwhile
        }
        const labels = info.Labels ?? {}
        if (labels['io.kubernetes.pod.uid'] !== podUid) continue
        if (labels['io.cri-containerd.kind'] !== 'sandbox') continue
        const ns = info.Spec?.linux?.namespaces?.find((n) => n.type === 'network')
        if (ns?.path) return { id, netns: ns.path }
      }
      return undefined
    },
    inNetns(netns, args) {
      return execFileSync('nsenter', [`--net=${netns}`, ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 30_000,
      })
    },
    reservations(dataDir, network) {
      const d = join(dataDir, network)
      if (!existsSync(d)) return []
      return readdirSync(d).filter((f) => /^[\d.]+$|:/.test(f) && !f.startsWith('last_reserved'))
    },
    async waitReady() {
      if (!kubelet) throw new Error('kubelet not started')
      await waitNodeReady(cp.kubeConfig('admin'), name, kubelet)
    },
    reservationOwners(dataDir, network) {
      return node.reservations(dataDir, network).map((ip) => {
        let containerId = ''
        try {
          containerId = readFileSync(join(dataDir, network, ip), 'utf8').split(/\r?\n/)[0] ?? ''
        } catch {
          // released meanwhile
        }
        return { ip, containerId }
      })
    },
    logTails(lines = 40) {
      return [containerd, kubelet]
        .flatMap((p) => (p ? [`--- ${p.logFile} (tail) ---\n${logTail(p.logFile, lines)}`] : []))
        .join('\n')
    },
    leftovers: () => leftovers(snap, target),
    stop,
  }

  try {
    // The kubelet's cgroup root must exist in every hierarchy before it starts.
    for (const h of cgroupHierarchies()) mkdirSync(join(h, cgroupRoot), { recursive: true })
    mkdirSync(cd.cniBinDir, { recursive: true })
    mkdirSync(cd.cniConfDir, { recursive: true })
    mkdirSync(primary.dataDir, { recursive: true })
    for (const plugin of readdirSync(SYSTEM_CNI_DIR)) {
      symlinkSync(join(SYSTEM_CNI_DIR, plugin), join(cd.cniBinDir, plugin))
    }
    for (const [pluginName, path] of Object.entries(opts.cniPlugins ?? {})) {
      node.addCniPlugin(pluginName, path)
    }
    mkdirSync(join(primary.file, '..'), { recursive: true })
    writeFileSync(primary.file, JSON.stringify(primary.conflist, null, 2))
    const archives = [
      ociArchive(join(dir, 'images'), pauseImage(bins.pause)),
      ociArchive(join(dir, 'images'), busyboxImage()),
    ]
    containerd = await startContainerd(cd, PAUSE_IMAGE)
    importImages(ctr, archives)
    kubelet = await startKubelet({
      paths: kl,
      binary: bins.kubelet,
      nodeName: name,
      kubeconfig: cp.kubeconfigFor(`system:node:${name}`),
      clientCaFile: join(cp.dir, 'pki/ca.crt'),
      containerdSocket: cd.socket,
      cgroupRoot,
    })
    if (!aside) await waitNodeReady(cp.kubeConfig('admin'), name, kubelet)
  } catch (err) {
    const tails = node.logTails(60)
    await stop()
    throw new Error(`${(err as Error).message}\n${tails}`, { cause: err })
  }
  return node
}
