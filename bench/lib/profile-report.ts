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
}

function label(frame: CallFrame, root: string): string {
  let where = frame.url
  if (where.startsWith('file://')) where = relative(root, fileURLToPath(where))
  where = where.replace(/^.*node_modules\//, '')
  const name = frame.functionName || '(anonymous)'
  return where ? `${name} ${where}:${frame.lineNumber + 1}` : name
}

const pct = (part: number, whole: number): string =>
  `${((100 * part) / whole).toFixed(1)}%`.padStart(6)

export function summariseProfile(profile: CpuProfile, root: string, top = 30): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const selfTime = new Map<number, number>()
  let total = 0
  let busy = 0
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0
    selfTime.set(id, (selfTime.get(id) ?? 0) + dt)
    total += dt
    if (byId.get(id)?.callFrame.functionName !== '(idle)') busy += dt
  })
  const self = new Map<string, number>()
  const inclusive = new Map<string, number>()
  for (const [id, t] of selfTime) {
    const node = byId.get(id)!
    const l = label(node.callFrame, root)
    self.set(l, (self.get(l) ?? 0) + t)
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
  lines.push('', 'inclusive time of project functions (share of busy):')
  for (const [l, t] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    lines.push(`  ${pct(t, busy)}  ${l}`)
  }
  return lines.join('\n')
}
