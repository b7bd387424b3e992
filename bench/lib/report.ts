/**
 * Turning runs into what people read: medians over the interleaved repeats, one table, the JSON
 * file, a comparison of two JSON files, and an SVG chart of CPU per request by state size.
 */
import type { LoadResult } from './load.js'

export interface Row {
  readonly scenario: string
  readonly nads: number
  readonly rules: number
  readonly runs: readonly LoadResult[]
  /** Latency at 1 connection and at half the measured throughput (pod mutate and the floor). */
  readonly oneConnection?: readonly LoadResult[]
  readonly halfLoad?: readonly LoadResult[]
  readonly rssBytes: readonly number[]
  readonly heapBytes: readonly number[]
}

export interface Summary {
  readonly scenario: string
  readonly nads: number
  readonly rules: number
  readonly repeats: number
  readonly rps: number
  readonly cpuUsPerRequest: number
  readonly cpuVsFloor: number | undefined
  readonly p50Ms: number
  readonly p99Ms: number
  readonly p999Ms: number
  readonly p99OneConnectionMs: number | undefined
  readonly p99HalfLoadMs: number | undefined
  readonly rssMB: number
  readonly heapMB: number | undefined
  readonly errors: number
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0
  const s = [...values].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

const med = (runs: readonly LoadResult[] | undefined, key: keyof LoadResult): number | undefined =>
  runs === undefined || runs.length === 0 ? undefined : median(runs.map((r) => r[key]))

export function summarise(rows: readonly Row[]): Summary[] {
  const floor = rows.find((r) => r.scenario === 'floor')
  const floorCpu = floor ? median(floor.runs.map((r) => r.cpuUsPerRequest)) : undefined
  return rows.map((row) => {
    const cpu = median(row.runs.map((r) => r.cpuUsPerRequest))
    return {
      scenario: row.scenario,
      nads: row.nads,
      rules: row.rules,
      repeats: row.runs.length,
      rps: med(row.runs, 'rps') ?? 0,
      cpuUsPerRequest: cpu,
      cpuVsFloor: floorCpu ? cpu / floorCpu : undefined,
      p50Ms: med(row.runs, 'p50Ms') ?? 0,
      p99Ms: med(row.runs, 'p99Ms') ?? 0,
      p999Ms: med(row.runs, 'p999Ms') ?? 0,
      p99OneConnectionMs: med(row.oneConnection, 'p99Ms'),
      p99HalfLoadMs: med(row.halfLoad, 'p99Ms'),
      rssMB: median(row.rssBytes) / 2 ** 20,
      heapMB: row.heapBytes.length ? median(row.heapBytes) / 2 ** 20 : undefined,
      errors: row.runs.reduce((n, r) => n + r.errors, 0),
    }
  })
}

const f = (v: number | undefined, digits = 2): string => (v === undefined ? '–' : v.toFixed(digits))

export function table(summaries: readonly Summary[]): string {
  const head = [
    'scenario',
    'NADs',
    'rules',
    'req/s',
    'CPU µs/req',
    'x floor',
    'p50 ms',
    'p99 ms',
    'p99.9 ms',
    'p99 1-conn',
    'p99 half-load',
    'RSS MB',
    'heap MB',
    'errors',
  ]
  const lines = summaries.map((s) => [
    s.scenario,
    String(s.nads),
    String(s.rules),
    f(s.rps, 0),
    f(s.cpuUsPerRequest, 0),
    f(s.cpuVsFloor),
    f(s.p50Ms),
    f(s.p99Ms),
    f(s.p999Ms),
    f(s.p99OneConnectionMs),
    f(s.p99HalfLoadMs),
    f(s.rssMB, 0),
    f(s.heapMB, 0),
    String(s.errors),
  ])
  return [head, head.map(() => '---'), ...lines]
    .map((cells) => `| ${cells.join(' | ')} |`)
    .join('\n')
}

export function compare(before: readonly Summary[], after: readonly Summary[]): string {
  const key = (s: Summary): string => `${s.scenario}/${s.nads}/${s.rules}`
  const old = new Map(before.map((s) => [key(s), s]))
  const pct = (a: number, b: number): string =>
    `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(0)}%`
  const head = [
    'scenario',
    'NADs',
    'rules',
    'CPU µs/req before',
    'after',
    'change',
    'p99 ms before',
    'after',
    'RSS MB before',
    'after',
  ]
  const lines = after.flatMap((s) => {
    const b = old.get(key(s))
    if (!b) return []
    return [
      [
        s.scenario,
        String(s.nads),
        String(s.rules),
        f(b.cpuUsPerRequest, 0),
        f(s.cpuUsPerRequest, 0),
        pct(b.cpuUsPerRequest, s.cpuUsPerRequest),
        f(b.p99Ms),
        f(s.p99Ms),
        f(b.rssMB, 0),
        f(s.rssMB, 0),
      ],
    ]
  })
  return [head, head.map(() => '---'), ...lines].map((c) => `| ${c.join(' | ')} |`).join('\n')
}

/** CPU per request against the number of NADs, one line per scenario, the floor as a band. */
export function chartSvg(summaries: readonly Summary[]): string {
  const W = 720
  const H = 400
  const m = { l: 70, r: 170, t: 40, b: 60 }
  const sizes = [
    ...new Set(summaries.filter((s) => s.scenario !== 'floor').map((s) => s.nads)),
  ].sort((a, b) => a - b)
  const series = new Map<string, Summary[]>()
  for (const s of summaries) {
    if (s.scenario === 'floor') continue
    const rulesOfSeries = Math.min(
      ...summaries.filter((x) => x.scenario === s.scenario).map((x) => x.rules),
    )
    if (s.rules !== rulesOfSeries) continue // the NAD axis holds the rule count fixed
    series.set(s.scenario, [...(series.get(s.scenario) ?? []), s])
  }
  const floor = summaries.find((s) => s.scenario === 'floor')
  const maxY = Math.max(1, ...summaries.map((s) => s.cpuUsPerRequest)) * 1.15
  const x = (i: number): number =>
    m.l + (sizes.length <= 1 ? 0 : (i * (W - m.l - m.r)) / (sizes.length - 1))
  const y = (v: number): number => H - m.b - (v / maxY) * (H - m.t - m.b)
  const colours = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e']
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${m.l}" y="22" font-size="15">Webhook CPU time per request by state size (lower is better)</text>`,
    `<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="black"/>`,
    `<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="black"/>`,
    `<text x="${(m.l + W - m.r) / 2}" y="${H - 15}" text-anchor="middle">NetworkAttachmentDefinitions in the cluster</text>`,
    `<text x="18" y="${(m.t + H - m.b) / 2}" transform="rotate(-90 18 ${(m.t + H - m.b) / 2})" text-anchor="middle">CPU µs per request</text>`,
  ]
  for (let t = 0; t <= 5; t++) {
    const v = (maxY * t) / 5
    out.push(`<line x1="${m.l - 4}" y1="${y(v)}" x2="${W - m.r}" y2="${y(v)}" stroke="#ddd"/>`)
    out.push(`<text x="${m.l - 8}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(0)}</text>`)
  }
  sizes.forEach((n, i) =>
    out.push(
      `<text x="${x(i)}" y="${H - m.b + 18}" text-anchor="middle">${n.toLocaleString('en')}</text>`,
    ),
  )
  if (floor) {
    out.push(
      `<line x1="${m.l}" y1="${y(floor.cpuUsPerRequest)}" x2="${W - m.r}" y2="${y(floor.cpuUsPerRequest)}" stroke="#555" stroke-dasharray="6 4"/>`,
    )
    out.push(
      `<text x="${W - m.r + 8}" y="${y(floor.cpuUsPerRequest) + 4}" fill="#555">floor (bare Fastify)</text>`,
    )
  }
  // End labels, pushed apart where lines end close together.
  const labels: { name: string; y: number; colour: string }[] = []
  let k = 0
  for (const [name, points] of series) {
    const c = colours[k++ % colours.length]!
    const pts = points.map((p) => `${x(sizes.indexOf(p.nads))},${y(p.cpuUsPerRequest)}`).join(' ')
    out.push(`<polyline points="${pts}" fill="none" stroke="${c}" stroke-width="2"/>`)
    for (const p of points)
      out.push(
        `<circle cx="${x(sizes.indexOf(p.nads))}" cy="${y(p.cpuUsPerRequest)}" r="3.5" fill="${c}"/>`,
      )
    labels.push({ name, y: y(points.at(-1)!.cpuUsPerRequest) + 4, colour: c })
  }
  labels.sort((a, b) => a.y - b.y)
  for (let i = 1; i < labels.length; i++) {
    labels[i]!.y = Math.max(labels[i]!.y, labels[i - 1]!.y + 14)
  }
  for (const l of labels) {
    out.push(`<text x="${W - m.r + 8}" y="${l.y}" fill="${l.colour}">${l.name}</text>`)
  }
  out.push('</svg>')
  return out.join('\n') + '\n'
}
