/**
 * `npm run bench`: the webhook against its floor, over HTTPS on loopback.
 *
 * The server under test runs pinned to CPU 0, the load generator (this process, autocannon) to
 * CPU 1. Each repeat walks every scenario once (interleaved, so a noisy minute hits all of them
 * alike), with a warm-up before each measured run. The headline figure is CPU time per request
 * of the server process, read from /proc: it survives a busy machine where req/s does not.
 *
 *   npm run bench                         full run (3 repeats, 5 s per measured run)
 *   npm run bench -- --quick              1 repeat, 2 s (3 s warm-up), fewer state sizes (a smoke run)
 *   npm run bench -- --warmup 20          longer unmeasured load before each run (default 10 s)
 *   npm run bench -- --repeats 5 --seconds 10 --out bench/results/x.json
 *   npm run bench -- --compare before.json after.json
 *
 * Writes the JSON and an SVG chart (CPU per request by state size) next to it. Tests never
 * assert timings; these numbers go in docs/benchmarks.md and in notes.
 */
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { freePort } from './lib/ports.js'
import { measure, warmUp, type LoadResult, type LoadSpec } from './lib/load.js'
import { pin, rssBytes } from './lib/proc.js'
import { chartSvg, compare, summarise, table, type Row, type Summary } from './lib/report.js'
import { heapUsedBytes, makeCerts, startFloor, startWebhook, type Server } from './lib/servers.js'
import { writeState, type Reviews, type StateSize } from './lib/state.js'

interface Args {
  quick: boolean
  repeats: number
  seconds: number
  /** Unmeasured load before each measured run, per scenario. */
  warmup: number
  out: string
  compare: [string, string] | undefined
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    quick: false,
    repeats: 3,
    seconds: 5,
    warmup: 10,
    out: `bench/results/webhook-${new Date().toISOString().slice(0, 10)}.json`,
    compare: undefined,
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const next = (): string => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${a} needs a value`)
      return v
    }
    if (a === '--quick') args.quick = true
    else if (a === '--repeats') args.repeats = Number(next())
    else if (a === '--seconds') args.seconds = Number(next())
    else if (a === '--warmup') args.warmup = Number(next())
    else if (a === '--out') args.out = next()
    else if (a === '--compare') args.compare = [next(), next()]
    else throw new Error(`unknown option ${a} (see the header of bench/webhook.ts)`)
  }
  if (args.quick) {
    args.repeats = 1
    args.seconds = 2
    args.warmup = 3
  }
  return args
}

const SIZES_FULL: StateSize[] = [
  { nads: 10, rules: 10 },
  { nads: 1000, rules: 10 },
  { nads: 10000, rules: 10 },
  { nads: 10000, rules: 100 },
  { nads: 10000, rules: 1000 },
]
const SIZES_QUICK: StateSize[] = [
  { nads: 10, rules: 10 },
  { nads: 10000, rules: 1000 },
]

type Key = string
const key = (scenario: string, size: StateSize): Key => `${scenario}/${size.nads}/${size.rules}`

interface Acc {
  runs: LoadResult[]
  oneConnection: LoadResult[]
  halfLoad: LoadResult[]
  rssBytes: number[]
  heapBytes: number[]
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  if (args.compare) {
    const [a, b] = await Promise.all(
      args.compare.map(
        async (p) => JSON.parse(await readFile(p, 'utf8')) as { summaries: Summary[] },
      ),
    )
    console.log(compare(a!.summaries, b!.summaries))
    return
  }
  if (cpus().length >= 2) pin(process.pid, 1)
  const sizes = args.quick ? SIZES_QUICK : SIZES_FULL
  const work = await mkdtemp(join(tmpdir(), 'multinet-bench-'))
  const acc = new Map<Key, Acc>()
  const add = (k: Key): Acc => {
    let a = acc.get(k)
    if (!a)
      acc.set(k, (a = { runs: [], oneConnection: [], halfLoad: [], rssBytes: [], heapBytes: [] }))
    return a
  }
  const bursts: { nads: number; rules: number; result: LoadResult }[] = []
  try {
    const certs = join(work, 'certs')
    makeCerts(certs)
    const states: { size: StateSize; dir: string; reviews: Reviews }[] = []
    for (const size of sizes) {
      const dir = join(work, `state-${size.nads}-${size.rules}`)
      states.push({ size, dir, reviews: await writeState(dir, size) })
    }
    const podBody = states[0]!.reviews.pod
    const spec = (
      server: Server,
      path: string,
      body: string,
      over: Partial<LoadSpec> = {},
    ): LoadSpec => ({
      url: `${server.url}${path}`,
      ca: server.ca,
      body,
      connections: 8,
      seconds: args.seconds,
      ...over,
    })
    // Throughput, then latency at one connection and at half the throughput just measured.
    const threeWay = async (
      server: Server,
      path: string,
      body: string,
      into: Acc,
    ): Promise<void> => {
      const s = spec(server, path, body)
      await warmUp(s, args.warmup)
      const full = await measure(server.pid, s)
      into.runs.push(full)
      into.oneConnection.push(await measure(server.pid, { ...s, connections: 1 }))
      into.halfLoad.push(
        await measure(server.pid, { ...s, rate: Math.max(1, Math.round(full.rps / 2)) }),
      )
      into.rssBytes.push(rssBytes(server.pid))
    }
    for (let r = 1; r <= args.repeats; r++) {
      console.error(`repeat ${r}/${args.repeats}: floor`)
      const floor = await startFloor(certs, await freePort())
      try {
        await threeWay(floor, '/mutate', podBody, add(key('floor', { nads: 0, rules: 0 })))
      } finally {
        await floor.stop()
      }
      for (const { size, dir, reviews } of states) {
        console.error(`repeat ${r}/${args.repeats}: ${size.nads} NADs, ${size.rules} rules`)
        const server = await startWebhook(dir, certs, await freePort(), await freePort())
        try {
          const nad = add(key('nad-validate', size))
          const s = spec(server, '/validate', reviews.nad)
          await warmUp(s, args.warmup)
          nad.runs.push(await measure(server.pid, s))
          nad.rssBytes.push(rssBytes(server.pid))

          const mutate = add(key('pod-mutate', size))
          await threeWay(server, '/mutate', reviews.pod, mutate)
          const heap = await heapUsedBytes(server)
          if (heap !== undefined) mutate.heapBytes.push(heap)

          const validate = add(key('pod-validate', size))
          const v = spec(server, '/validate', reviews.pod)
          await warmUp(v, args.warmup)
          validate.runs.push(await measure(server.pid, v))
          validate.rssBytes.push(rssBytes(server.pid))

          if (r === 1 && size === states.at(-1)!.size) {
            // A Deployment scale-up: 200 pod creates at once, each on a new connection.
            const burst = await measure(
              server.pid,
              spec(server, '/mutate', reviews.pod, { connections: 200, amount: 200 }),
            )
            bursts.push({ ...size, result: burst })
          }
        } finally {
          await server.stop()
        }
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true })
  }

  const rows: Row[] = [...acc.entries()].map(([k, a]) => {
    const [scenario, nads, rules] = k.split('/')
    return {
      scenario: scenario!,
      nads: Number(nads),
      rules: Number(rules),
      runs: a.runs,
      ...(a.oneConnection.length ? { oneConnection: a.oneConnection, halfLoad: a.halfLoad } : {}),
      rssBytes: a.rssBytes,
      heapBytes: a.heapBytes,
    }
  })
  const summaries = summarise(rows)
  console.log(table(summaries))
  for (const b of bursts) {
    console.log(
      `\nburst: 200 pod creates at once (${b.nads} NADs, ${b.rules} rules): all answered in ` +
        `${b.result.maxMs.toFixed(1)} ms, p50 ${b.result.p50Ms.toFixed(1)} ms, p99 ${b.result.p99Ms.toFixed(1)} ms, ` +
        `${b.result.errors} errors, ${b.result.cpuUsPerRequest.toFixed(0)} µs CPU per request (TLS handshakes included)`,
    )
  }
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    kernel: execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim(),
  }
  let commit = 'unknown'
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
  } catch {
    // not a checkout
  }
  await mkdir(dirname(args.out), { recursive: true })
  const json = { date: new Date().toISOString(), commit, machine, args, summaries, rows, bursts }
  await writeFile(args.out, JSON.stringify(json, null, 2) + '\n')
  const svg = args.out.replace(/\.json$/, '') + '.svg'
  await writeFile(svg, chartSvg(summaries))
  console.log(`\nwrote ${args.out} and ${svg}`)
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exitCode = 1
})
