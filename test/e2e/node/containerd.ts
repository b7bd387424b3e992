/**
 * containerd for one e2e node: Debian's containerd 1.6 with its own config file, root and state
 * dirs, gRPC socket and runc root under the node's temp dir, the CRI plugin on (overlayfs,
 * runc through the v2 shim, cgroupfs), and its own CNI bin and conf dirs.
 *
 * `restrict_oom_score_adj = true`: this sandbox lacks CAP_SYS_RESOURCE, so runc fails to lower a
 * container's oom_score_adj below the containerd's own without it.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { waitFor } from '../net.js'
import { startProcess, logTail, type Managed } from '../processes.js'

export interface ContainerdPaths {
  root: string
  state: string
  socket: string
  config: string
  runcRoot: string
  cniBinDir: string
  cniConfDir: string
  log: string
}

export function containerdPaths(dir: string): ContainerdPaths {
  const base = join(dir, 'containerd')
  return {
    root: join(base, 'root'),
    state: join(base, 'state'),
    socket: join(base, 'containerd.sock'),
    config: join(base, 'config.toml'),
    runcRoot: join(base, 'runc'),
    cniBinDir: join(dir, 'cni/bin'),
    cniConfDir: join(dir, 'cni/net.d'),
    log: join(dir, 'logs/containerd.log'),
  }
}

const s = (v: string): string => JSON.stringify(v)

export function containerdConfig(p: ContainerdPaths, sandboxImage: string): string {
  return `version = 2
root = ${s(p.root)}
state = ${s(p.state)}
oom_score = 0

[grpc]
  address = ${s(p.socket)}

[ttrpc]
  address = ${s(`${p.socket}.ttrpc`)}

[debug]
  level = "info"

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = ${s(join(p.root, 'opt'))}

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = ${s(sandboxImage)}
  restrict_oom_score_adj = true
  disable_tcp_service = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  disable_apparmor = true
  max_container_log_line_size = 16384

[plugins."io.containerd.grpc.v1.cri".containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  BinaryName = "/usr/sbin/runc"
  Root = ${s(p.runcRoot)}
  SystemdCgroup = false

[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = ${s(p.cniBinDir)}
  conf_dir = ${s(p.cniConfDir)}
  max_conf_num = 1
`
}

/** `ctr` against this containerd; throws with ctr's stderr on failure. */
export function ctrFor(socket: string): (args: string[]) => string {
  return (args) =>
    execFileSync('ctr', ['--address', socket, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    })
}

export async function startContainerd(p: ContainerdPaths, sandboxImage: string): Promise<Managed> {
  for (const d of [p.root, p.state, p.runcRoot, p.cniBinDir, p.cniConfDir]) {
    mkdirSync(d, { recursive: true })
  }
  writeFileSync(p.config, containerdConfig(p, sandboxImage))
  const proc = startProcess('containerd', 'containerd', ['--config', p.config], p.log)
  const ctr = ctrFor(p.socket)
  await waitFor(
    `containerd ${p.socket}`,
    async () => {
      try {
        ctr(['version'])
        return true
      } catch {
        return undefined
      }
    },
    {
      timeoutMs: 60_000,
      intervalMs: 200,
      abort: () => (proc.isRunning() ? undefined : 'containerd exited'),
    },
    () => logTail(p.log),
  )
  return proc
}
