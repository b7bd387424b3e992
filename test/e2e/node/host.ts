/**
 * What a real kubelet + containerd node changes on the host, recorded before the node starts,
 * and one shell script that puts it all back. The same script runs on every exit path: the
 * harness's teardown, a SIGINT/SIGTERM of the test process, and (through a watchdog that holds
 * a pipe to the test process) a SIGKILL of it. Shell, not TypeScript, because the last of these
 * runs after the test process is gone.
 *
 * Changed by the kubelet: sysctls (vm.overcommit_memory, vm.panic_on_oom, kernel.panic,
 * kernel.panic_on_oops, kernel.keys.root_max*), cgroups (kubepods under its cgroup root, plus
 * any new top-level ones), /var/lib/kubelet (device-plugins socket, a hard-coded path),
 * /var/log/containers (hard-coded), a bind mount of its root dir. By containerd: /run/netns/cni-*
 * (sandbox namespaces), /run/containerd (shim sockets), /var/lib/cni (libcni's result cache),
 * overlay and shm mounts under its root/state dirs. By the bridge plugin: net.ipv4.ip_forward
 * and the bridge link.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export const SYSCTLS = [
  'vm.overcommit_memory',
  'vm.panic_on_oom',
  'kernel.panic',
  'kernel.panic_on_oops',
  'kernel.keys.root_maxkeys',
  'kernel.keys.root_maxbytes',
  'net.ipv4.ip_forward',
  'net.bridge.bridge-nf-call-iptables',
] as const

/** Host paths the node may create; each is removed after the run only if it did not exist before. */
export const CREATED_PATHS = [
  '/var/lib/kubelet',
  '/var/log/containers',
  '/var/log/pods',
  '/run/containerd',
  '/var/lib/containerd',
  '/run/kubernetes',
  '/etc/kubernetes',
  '/run/netns',
] as const

const CGROUP_FS = '/sys/fs/cgroup'
const NETNS_DIR = '/run/netns'
const CNI_RESULTS = '/var/lib/cni/results'

export interface HostSnapshot {
  sysctls: Record<string, string>
  /** Paths of CREATED_PATHS that did not exist before the run. */
  absent: string[]
  /** cgroup v1 hierarchies (or the v2 root) and their top-level children before the run. */
  cgroups: Record<string, string[]>
  netns: string[]
  cniResults: string[]
  shimSockets: string[]
}

const sysctlPath = (name: string): string => `/proc/sys/${name.replaceAll('.', '/')}`

function list(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

/** Every cgroup hierarchy mounted under /sys/fs/cgroup (v1 controllers, `unified`, or v2 itself). */
export function cgroupHierarchies(): string[] {
  const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n')
  const dirs = mounts
    .map((line) => line.split(' '))
    .filter((f) => (f[2] === 'cgroup' || f[2] === 'cgroup2') && f[1]?.startsWith(CGROUP_FS))
    .map((f) => f[1] as string)
  return [...new Set(dirs)].sort()
}

function topLevelCgroups(hierarchy: string): string[] {
  try {
    return readdirSync(hierarchy, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
  } catch {
    return []
  }
}

export function snapshotHost(): HostSnapshot {
  const sysctls: Record<string, string> = {}
  for (const name of SYSCTLS) {
    try {
      sysctls[name] = readFileSync(sysctlPath(name), 'utf8').trim()
    } catch {
      // Not on this kernel (e.g. br_netfilter absent): nothing to restore.
    }
  }
  const cgroups: Record<string, string[]> = {}
  for (const h of cgroupHierarchies()) cgroups[h] = topLevelCgroups(h)
  return {
    sysctls,
    absent: CREATED_PATHS.filter((p) => !existsSync(p)),
    cgroups,
    netns: list(NETNS_DIR),
    cniResults: list(CNI_RESULTS),
    shimSockets: list('/run/containerd/s'),
  }
}

export interface CleanupTarget {
  /** The node's temp dir: everything mounted under it is unmounted, then it is removed. */
  dir: string
  /** The kubelet's cgroup root (relative, e.g. `multinet-e2e-1a2b`), removed in every hierarchy. */
  cgroupRoot: string
  /** Links the node made on the host (the primary bridge). */
  links: string[]
  keepDir: boolean
}

const q = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`

/**
 * The cleanup script. Idempotent: running it twice (teardown, then the watchdog) is harmless.
 * Order matters: container processes first (they outlive a killed shim), then shims, kubelet and
 * containerd; then mounts (deepest first); then netns files, cgroups, links, sysctls, paths.
 */
export function cleanupScript(snap: HostSnapshot, target: CleanupTarget): string {
  const hierarchies = Object.keys(snap.cgroups)
  // The dir is spelled in two halves so that this script's own command line (sh -c <script>)
  // never contains it: processes are found by the dir on their command line.
  const half = Math.floor(target.dir.length / 2)
  const cgroupDirs = hierarchies.map((h) => q(join(h, target.cgroupRoot))).join(' ')
  const lines: string[] = [
    'set +e',
    `DIR=${q(target.dir.slice(0, half))}${q(target.dir.slice(half))}`,
    // 1. Everything in the node's cgroups: pods' processes (pause, containers).
    'killcg() { for d in "$@"; do [ -d "$d" ] || continue; find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null | while read -r p; do kill -KILL "$p" 2>/dev/null; done; done; }',
    `killcg ${cgroupDirs}`,
    // 2. kubelet, containerd and its shims: every process that names the node's dir (its
    //    config file, its socket) on its command line.
    'ours() { for p in /proc/[0-9]*; do n=${p#/proc/}; [ "$n" = "$$" ] && continue; grep -qaF -- "$DIR/" "$p/cmdline" 2>/dev/null && echo "$n"; done; }',
    'for p in $(ours); do kill -KILL "$p" 2>/dev/null; done',
    'i=0; while [ $i -lt 50 ] && [ -n "$(ours)" ]; do sleep 0.1; i=$((i+1)); done',
    `killcg ${cgroupDirs}`,
    // 3. Mounts under the node's dir, deepest first (mountinfo field 5 is the mount point).
    'for i in 1 2 3; do awk -v d="$DIR/" \'index($5, d) == 1 || $5 == substr(d, 1, length(d) - 1) { print length($5), $5 }\' /proc/self/mountinfo | sort -rn | cut -d" " -f2- | while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done; done',
  ]
  // 4. Sandbox network namespaces containerd made (cni-*), new since the snapshot.
  const keepNetns = new Set(snap.netns)
  lines.push(
    `for f in ${NETNS_DIR}/cni-*; do [ -e "$f" ] || continue; case " ${[...keepNetns].join(' ')} " in *" \${f##*/} "*) continue;; esac; umount "$f" 2>/dev/null || umount -l "$f" 2>/dev/null; rm -f "$f"; done`,
  )
  // 5. cgroups: the kubelet's root in every hierarchy, and top-level ones that appeared.
  for (const h of hierarchies) {
    const before = new Set(snap.cgroups[h])
    lines.push(
      `[ -d ${q(join(h, target.cgroupRoot))} ] && find ${q(join(h, target.cgroupRoot))} -depth -type d -exec rmdir {} \\; 2>/dev/null`,
    )
    for (const name of ['kubepods', 'kubepods.slice', 'k8s.io']) {
      if (!before.has(name)) {
        lines.push(
          `[ -d ${q(join(h, name))} ] && { killcg ${q(join(h, name))}; find ${q(join(h, name))} -depth -type d -exec rmdir {} \\; 2>/dev/null; }`,
        )
      }
    }
  }
  // 6. Links, libcni's result cache entries and shim sockets that are new.
  for (const link of target.links) lines.push(`ip link del ${q(link)} 2>/dev/null`)
  const newOnly = (dir: string, keep: string[]): string =>
    `for f in ${dir}/*; do [ -e "$f" ] || continue; case " ${keep.join(' ')} " in *" \${f##*/} "*) continue;; esac; rm -rf "$f"; done`
  lines.push(newOnly(CNI_RESULTS, snap.cniResults))
  // Only if empty (rmdir): other tests on the machine may use /var/lib/cni meanwhile.
  if (!existsSync(CNI_RESULTS)) lines.push(`rmdir ${CNI_RESULTS} 2>/dev/null`)
  if (!existsSync('/var/lib/cni')) lines.push('rmdir /var/lib/cni 2>/dev/null')
  lines.push(newOnly('/run/containerd/s', snap.shimSockets))
  // 7. Sysctls back to what they were.
  for (const [name, value] of Object.entries(snap.sysctls)) {
    lines.push(
      `[ "$(cat ${sysctlPath(name)} 2>/dev/null)" = ${q(value)} ] || echo ${q(value)} > ${sysctlPath(name)} 2>/dev/null`,
    )
  }
  // 8. Host paths that did not exist before; never through a mount (umount first).
  for (const p of snap.absent) {
    if (p === NETNS_DIR) {
      lines.push(`rmdir ${NETNS_DIR} 2>/dev/null`)
      continue
    }
    lines.push(
      `if [ -e ${q(p)} ]; then awk -v d=${q(p + '/')} 'index($5, d) == 1 { print length($5), $5 }' /proc/self/mountinfo | sort -rn | cut -d" " -f2- | while read -r m; do umount -l "$m"; done; rm -rf ${q(p)}; fi`,
    )
  }
  if (!target.keepDir) lines.push('rm -rf "$DIR"')
  lines.push('exit 0')
  return lines.join('\n') + '\n'
}

/** What is left of the node on the host (empty when clean); for tests and diagnostics. */
export function leftovers(snap: HostSnapshot, target: CleanupTarget): string[] {
  const found: string[] = []
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
  for (const m of mounts) if (m.startsWith(target.dir)) found.push(`mount ${m}`)
  for (const p of list('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8')
      if (cmd.includes(`${target.dir}/`)) found.push(`process ${p} ${cmd.replaceAll('\0', ' ')}`)
    } catch {
      // gone
    }
  }
  const now = snapshotHost()
  for (const [name, value] of Object.entries(snap.sysctls)) {
    if (now.sysctls[name] !== value)
      found.push(`sysctl ${name}=${now.sysctls[name]} (was ${value})`)
  }
  for (const h of Object.keys(snap.cgroups)) {
    if (existsSync(join(h, target.cgroupRoot))) found.push(`cgroup ${join(h, target.cgroupRoot)}`)
    for (const name of now.cgroups[h] ?? []) {
      if (!snap.cgroups[h]?.includes(name) && /^(kubepods|k8s\.io)/.test(name)) {
        found.push(`cgroup ${join(h, name)}`)
      }
    }
  }
  for (const n of now.netns)
    if (n.startsWith('cni-') && !snap.netns.includes(n)) found.push(`netns ${n}`)
  for (const p of snap.absent) if (p !== NETNS_DIR && existsSync(p)) found.push(`path ${p}`)
  for (const l of target.links) if (existsSync(`/sys/class/net/${l}`)) found.push(`link ${l}`)
  if (!target.keepDir && existsSync(target.dir)) found.push(`dir ${target.dir}`)
  return found
}
