/**
 * Reads a V8 `.cpuprofile` and says where the time went: self time by function (what to make
 * cheaper) and inclusive time of the project's own functions (which step of the request costs
 * what). Sample weights come from timeDeltas, so idle gaps count as "(idle)".
 */
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
}
interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly children?: readonly number[]
}
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
  /** Monotonic clock, µs: the same clock as process.hrtime on Linux. */
  readonly startTime: number
}

function label(frame: CallFrame, root: string): string {
  let where = frame.url
  if (where.startsWith('file://')) where = relative(root, fileURLToPath(where))
  where = where.replace(/^.*node_modules\//, '')
  const name = frame.functionName || '(anonymous)'
  return where ? `${name} ${where}:${frame.lineNumber + 1}` : name
}

/** Where a frame's code lives: a package, the project, Node's own JS, or V8/native. */
function packageOf(frame: CallFrame): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(frame.url)
  if (m) return m[1]!
  if (frame.url.startsWith('node:')) return 'node (JS)'
  if (/\/(dist|bench)\//.test(frame.url)) return 'multinet'
  if (frame.url === '') return frame.functionName.startsWith('(') ? frame.functionName : 'native'
  return frame.url
}

const pct = (part: number, whole: number): string =>
  `${((100 * part) / whole).toFixed(1)}%`.padStart(6)

/**
 * `fromUs` (monotonic µs, as process.hrtime) skips the samples taken before it: the server's
 * start (module loading, schema compiling, the state's first read) is not per-request cost.
 */
export function summariseProfile(profile: CpuProfile, root: string, fromUs = 0, top = 30): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const selfTime = new Map<number, number>()
  let total = 0
  let busy = 0
  let at = profile.startTime
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0
    at += dt
    if (at < fromUs) return
    selfTime.set(id, (selfTime.get(id) ?? 0) + dt)
    total += dt
    if (byId.get(id)?.callFrame.functionName !== '(idle)') busy += dt
  })
  const self = new Map<string, number>()
  const byPackage = new Map<string, number>()
  const inclusive = new Map<string, number>()
  for (const [id, t] of selfTime) {
    const node = byId.get(id)!
    const l = label(node.callFrame, root)
    self.set(l, (self.get(l) ?? 0) + t)
    const pkg = packageOf(node.callFrame)
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + t)
    // Each label counts once per sample, however deep the recursion.
    const seen = new Set<string>()
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)!.callFrame
      const cl = label(frame, root)
      if (seen.has(cl) || !/\/(dist|bench)\//.test(frame.url)) continue
      seen.add(cl)
      inclusive.set(cl, (inclusive.get(cl) ?? 0) + t)
    }
  }
  const lines = [
    `busy ${pct(busy, total)} of ${(total / 1e6).toFixed(1)} s sampled`,
    '',
    'self time (share of busy):',
  ]
  for (const [l, t] of [...self]
    .filter(([l]) => !l.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)) {
    lines.push(`  ${pct(t, busy)}  ${l}`)
  }
  lines.push('', 'self time by package (share of busy):')
  for (const [p, t] of [...byPackage].filter(([p]) => p !== '(idle)').sort((a, b) => b[1] - a[1])) {
    lines.push(`  ${pct(t, busy)}  ${p}`)
  }
  lines.push('', 'inclusive time of project functions (share of busy):')
  for (const [l, t] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    lines.push(`  ${pct(t, busy)}  ${l}`)
  }
  return lines.join('\n')
}
