/**
 * `npm run bench:memory`: the webhook's memory at 10, 1,000 and 10,000 NADs, in cluster mode
 * (informers on a real kube-apiserver + etcd on loopback, as production runs it), the same
 * from an esbuild bundle of dist/ (`bundle`: what an image that ships one would use), and in
 * folder mode (`--state-dir`) for comparison, with the bare Fastify floor as the reference.
 *
 * The cluster holds what bench/lib/state.ts writes as a folder: its Namespaces, policy
 * ConfigMaps and NADs, created through the API (the NADs carry the last-applied annotation that
 * `kubectl apply` leaves, and the API server adds managedFields, as on a real cluster). Sizes
 * are prefixes of one another, so the cluster grows from one size to the next. The webhook is
 * the compiled dist/ with the admin kubeconfig (RBAC is not what is measured here).
 *
 * Per mode and size: RSS and heap right after /readyz (caches synced, state loaded), peak RSS
 * so far (the start-up list or parse), RSS and heap after load (pod mutations, 8 connections),
 * and the live heap: the total size of a heap snapshot, which V8 takes after a full GC. Heap
 * used minus live heap is garbage V8 has not collected yet; RSS minus heap total is code,
 * native memory and freed pages not yet given back.
 *
 *   npm run bench:memory
 *   npm run bench:memory -- --sizes 10,10000 --modes cluster --seconds 5 --snapshots /tmp/snaps
 *   npm run bench:memory -- --node-args "|--max-semi-space-size=4" --out bench/results/x.json
 *                            (flag sets split by "|"; each set runs every mode and size)
 *
 * MULTINET_E2E_BIN=<dir> names prebuilt kube-apiserver and etcd; otherwise
 * test/e2e/build-bins.sh builds them once (cached). Tests never assert these numbers.
 */
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { cpus, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseAllDocuments } from 'yaml'
import { startControlPlane, type ControlPlane } from '../test/e2e/control-plane.js'
import { NAD } from '../test/e2e/crd.js'
import { multinetCommand } from './lib/build.js'
import { measure, warmUp, type LoadResult } from './lib/load.js'
import { freePort } from './lib/ports.js'
import { pin, rssBytes } from './lib/proc.js'
import {
  heapUsedBytes,
  makeCerts,
  startFloor,
  startWebhook,
  startWebhookKube,
} from './lib/servers.js'
import type { Server } from './lib/servers.js'
import { writeState, type Reviews } from './lib/state.js'

/** `bundle`: cluster mode, run from an esbuild bundle of dist/ instead of dist/ itself. */
type Mode = 'cluster' | 'bundle' | 'folder' | 'floor'
const MODES: readonly Mode[] = ['cluster', 'bundle', 'folder', 'floor']

interface Args {
  sizes: number[]
  modes: Mode[]
  seconds: number
  /** Keep each heap snapshot here, named mode-nads-n.heapsnapshot (default: deleted). */
  snapshots: string | undefined
  /** Node flag sets to compare (`--node-args "A|B"`); one empty set by default. */
  variants: string[][]
  out: string
}

const POLICY_NAMESPACE = 'multinet-system'
const RULES = 10
const IN_FLIGHT = 32
const MIB = 1024 * 1024
let snapshotCount = 0

function parseArgs(argv: string[]): Args {
  const args: Args = {
    sizes: [10, 1000, 10_000],
    modes: [...MODES],
    seconds: 5,
    variants: [[]],
    snapshots: undefined,
    out: `bench/results/memory-${new Date().toISOString().slice(0, 10)}.json`,
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const next = (): string => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${a} needs a value`)
      return v
    }
    if (a === '--sizes') args.sizes = next().split(',').map(Number)
    else if (a === '--modes') args.modes = next().split(',') as Mode[]
    else if (a === '--seconds') args.seconds = Number(next())
    else if (a === '--node-args') {
      args.variants = next()
        .split('|')
        .map((v) => v.split(' ').filter(Boolean))
    } else if (a === '--out') args.out = next()
    else if (a === '--snapshots') args.snapshots = next()
    else throw new Error(`unknown option ${a} (see the header of bench/memory.ts)`)
  }
  const bad = args.modes.filter((m) => !MODES.includes(m))
  if (bad.length > 0) throw new Error(`--modes: unknown ${bad.join(', ')}`)
  if (args.sizes.some((n) => !Number.isInteger(n) || n < 3)) {
    throw new Error('--sizes: whole numbers of at least 3 (the pod selects 3 NADs)')
  }
  args.sizes.sort((a, b) => a - b)
  return args
}

interface Memory {
  readonly rssMiB: number
  readonly heapUsedMiB: number
  readonly heapTotalMiB: number
  readonly externalMiB: number
}

interface Row {
  readonly mode: Mode
  /** Extra Node flags the process ran with. */
  readonly flags: string
  readonly nads: number
  /** Seconds from spawn to a ready /readyz (the first list or the folder read included). */
  readonly readySeconds: number
  readonly ready: Memory
  /** VmHWM: the highest RSS the process reached, read after the load. */
  readonly peakRssMiB: number
  readonly loaded: Memory
  /** Total size of the objects a full GC keeps (a heap snapshot's sum), after the load. */
  readonly liveHeapMiB: number
  readonly load: LoadResult
}

/**
 * dist/cli/main.js as one esbuild bundle, as an image could ship it: only the modules and
 * functions reached are kept (client-node's generated API is most of what the webhook loads,
 * and V8 keeps every loaded module's source text in the heap), whitespace and syntax minified,
 * names kept for stack traces. Returns `[node, runner]`.
 */
async function bundleCommand(work: string, certs: string): Promise<[string, string]> {
  multinetCommand(certs) // builds dist/
  const { build } = await import('esbuild')
  const root = join(work, 'bundle')
  const outfile = join(root, 'dist/cli/main.js')
  await build({
    entryPoints: ['dist/cli/main.js'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    outfile,
    logLevel: 'warning',
    // CommonJS dependencies call require(); an ESM bundle has none of its own.
    banner: {
      js: "import { createRequire as multinetRequire } from 'node:module'; const require = multinetRequire(import.meta.url);",
    },
  })
  // `multinet --version` reads ../../package.json from the entry point.
  await copyFile('package.json', join(root, 'package.json'))
  const runner = join(work, 'bundle-run.mjs')
  await writeFile(
    runner,
    `const { run } = await import(${JSON.stringify(pathToFileURL(outfile).href)})\nawait run()\n`,
  )
  return ['node', runner]
}

/** prom-client's default metrics, scraped from the health port. */
async function scrape(url: string): Promise<string> {
  return new Promise((resolve) => {
    const req = request(`${url}/metrics`, (res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () => resolve(body))
    })
    req.on('error', () => resolve(''))
    req.end()
  })
}

function metric(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)
  return m?.[1] === undefined ? NaN : Number(m[1])
}

/** The process's own view for the webhook; RSS only for the floor (it has no /metrics). */
async function memoryOf(server: Server): Promise<Memory> {
  const rssMiB = rssBytes(server.pid) / MIB
  if (server.healthUrl === undefined) {
    return { rssMiB, heapUsedMiB: NaN, heapTotalMiB: NaN, externalMiB: NaN }
  }
  const text = await scrape(server.healthUrl)
  const heapUsed = (await heapUsedBytes(server)) ?? NaN
  return {
    rssMiB,
    heapUsedMiB: heapUsed / MIB,
    heapTotalMiB: metric(text, 'nodejs_heap_size_total_bytes') / MIB,
    externalMiB: metric(text, 'nodejs_external_memory_bytes') / MIB,
  }
}

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]
  return kb === undefined ? NaN : Number(kb) / 1024
}

/**
 * SIGUSR2 makes the process write a heap snapshot (after a full GC) into `diagDir`; the sum of
 * its objects' sizes is the live heap. The main thread writes it, so /metrics answers only
 * once the file is complete.
 */
async function liveHeapMiB(
  server: Server,
  diagDir: string,
  keep: string | undefined,
): Promise<number> {
  if (server.healthUrl === undefined) return NaN
  const before = new Set(await readdir(diagDir))
  process.kill(server.pid, 'SIGUSR2')
  const deadline = Date.now() + 120_000
  let file: string | undefined
  while (file === undefined) {
    if (Date.now() > deadline) throw new Error('no heap snapshot within 120 s')
    await new Promise((r) => setTimeout(r, 100))
    file = (await readdir(diagDir)).find((f) => f.endsWith('.heapsnapshot') && !before.has(f))
  }
  await scrape(server.healthUrl)
  const path = join(diagDir, file)
  // A last size check: the writer may still be flushing when /metrics was already queued.
  for (let last = -1; ;) {
    const { size } = await stat(path)
    if (size === last) break
    last = size
    await new Promise((r) => setTimeout(r, 500))
  }
  const snap = JSON.parse(await readFile(path, 'utf8')) as {
    snapshot: { meta: { node_fields: string[] } }
    nodes: number[]
  }
  if (keep === undefined) await rm(path)
  else {
    await mkdir(dirname(keep), { recursive: true })
    await copyFile(path, keep)
    await rm(path)
  }
  const fields = snap.snapshot.meta.node_fields
  const self = fields.indexOf('self_size')
  let total = 0
  for (let i = self; i < snap.nodes.length; i += fields.length) total += snap.nodes[i]!
  return total / MIB
}

/** The state folder's objects, in file order (Namespaces, NADs, policy ConfigMaps). */
async function manifests(dir: string): Promise<Record<string, Record<string, unknown>[]>> {
  const read = async (file: string) =>
    parseAllDocuments(await readFile(join(dir, file), 'utf8')).map(
      (d) => d.toJS() as Record<string, unknown>,
    )
  return {
    namespaces: await read('namespaces.yaml'),
    nads: await read('nads.yaml'),
    configMaps: await read('policy.yaml'),
  }
}

/** Runs `task` on each item with at most IN_FLIGHT at once. */
async function bounded<T>(items: readonly T[], task: (item: T) => Promise<unknown>) {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++]!)
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
}

/** As `kubectl apply` leaves a NAD: the whole object once more in an annotation. */
function applied(obj: Record<string, unknown>): Record<string, unknown> {
  const meta = obj.metadata as Record<string, unknown>
  const annotations = { ...(meta.annotations as Record<string, string> | undefined) }
  annotations['kubectl.kubernetes.io/last-applied-configuration'] = JSON.stringify(obj) + '\n'
  return { ...obj, metadata: { ...meta, annotations } }
}

class Cluster {
  private created = 0
  private constructor(
    readonly cp: ControlPlane,
    private readonly objects: Record<string, Record<string, unknown>[]>,
  ) {}

  static async start(largestDir: string): Promise<Cluster> {
    const objects = await manifests(largestDir)
    const cp = await startControlPlane()
    const cluster = new Cluster(cp, objects)
    try {
      const admin = cp.kubeConfig('admin')
      const core = admin.makeApiClient(CoreV1Api)
      for (const ns of objects.namespaces!) {
        const meta = ns.metadata as { name: string; labels: Record<string, string> }
        try {
          await core.createNamespace({ body: ns as never })
        } catch (err) {
          // `default` (and the API server's own) exist already: give them the labels.
          if ((err as { code?: number }).code !== 409) throw err
          const old = await core.readNamespace({ name: meta.name })
          old.metadata!.labels = { ...old.metadata!.labels, ...meta.labels }
          await core.replaceNamespace({ name: meta.name, body: old })
        }
      }
      for (const cm of objects.configMaps!) {
        await core.createNamespacedConfigMap({ namespace: POLICY_NAMESPACE, body: cm as never })
      }
    } catch (err) {
      await cp.stop()
      throw err
    }
    return cluster
  }

  /** Creates the NADs up to the first `size` of the folder's. */
  async growTo(size: number): Promise<void> {
    const custom = this.cp.kubeConfig('admin').makeApiClient(CustomObjectsApi)
    const todo = this.objects.nads!.slice(this.created, size)
    const started = Date.now()
    await bounded(todo, (nad) =>
      custom.createNamespacedCustomObject({
        group: NAD.group,
        version: NAD.version,
        plural: NAD.plural,
        namespace: (nad.metadata as { namespace: string }).namespace,
        body: applied(nad),
      }),
    )
    this.created = Math.max(this.created, size)
    const secs = ((Date.now() - started) / 1000).toFixed(1)
    console.error(`cluster: ${this.created} NADs (${todo.length} created in ${secs} s)`)
  }
}

async function run(
  mode: Mode,
  flags: readonly string[],
  nads: number,
  start: () => Promise<Server>,
  body: string,
  args: Args,
  diagDir: string,
): Promise<Row> {
  console.error(`${mode}: ${nads} NADs ${flags.join(' ')}`)
  const started = Date.now()
  const server = await start()
  try {
    const readySeconds = (Date.now() - started) / 1000
    const ready = await memoryOf(server)
    const spec = {
      url: `${server.url}/mutate`,
      ca: server.ca,
      body,
      connections: 8,
      seconds: args.seconds,
    }
    await warmUp(spec)
    const load = await measure(server.pid, spec)
    const loaded = await memoryOf(server)
    const peak = peakRssMiB(server.pid)
    const keep =
      args.snapshots === undefined
        ? undefined
        : join(args.snapshots, `${mode}-${nads}-${++snapshotCount}.heapsnapshot`)
    const live = await liveHeapMiB(server, diagDir, keep)
    return {
      mode,
      flags: flags.join(' '),
      nads,
      readySeconds,
      ready,
      peakRssMiB: peak,
      loaded,
      liveHeapMiB: live,
      load,
    }
  } finally {
    await server.stop()
  }
}

function table(rows: readonly Row[]): string {
  const f = (n: number): string => (Number.isNaN(n) ? '-' : n.toFixed(0))
  const head = [
    'mode',
    'NADs',
    'ready s',
    'ready RSS',
    'ready heap',
    'peak RSS',
    'load RSS',
    'heap used',
    'heap total',
    'external',
    'live heap',
    'req/s',
    'µs CPU/req',
    'errors',
    'flags',
  ]
  const lines = rows.map((r) => [
    r.mode,
    String(r.nads),
    r.readySeconds.toFixed(1),
    f(r.ready.rssMiB),
    f(r.ready.heapUsedMiB),
    f(r.peakRssMiB),
    f(r.loaded.rssMiB),
    f(r.loaded.heapUsedMiB),
    f(r.loaded.heapTotalMiB),
    f(r.loaded.externalMiB),
    Number.isNaN(r.liveHeapMiB) ? '-' : r.liveHeapMiB.toFixed(1),
    r.load.rps.toFixed(0),
    r.load.cpuUsPerRequest.toFixed(0),
    String(r.load.errors),
    r.flags,
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) =>
        i < 1 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!),
      )
      .join('  ')
      .trimEnd()
  return [
    fmt(head),
    fmt(widths.map((w) => '-'.repeat(w))),
    ...lines.map(fmt),
    '(MiB; "load" columns after the measured load; live heap: what a full GC keeps)',
  ].join('\n')
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  if (cpus().length >= 2) pin(process.pid, 1)
  const work = await mkdtemp(join(tmpdir(), 'multinet-bench-memory-'))
  const diagDir = join(work, 'diag')
  await mkdir(diagDir)
  const probes = ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${diagDir}`]
  const rows: Row[] = []
  let cluster: Cluster | undefined
  try {
    const certs = join(work, 'certs')
    makeCerts(certs)
    const states: { nads: number; dir: string; reviews: Reviews }[] = []
    for (const nads of args.sizes) {
      const dir = join(work, `state-${nads}`)
      states.push({ nads, dir, reviews: await writeState(dir, { nads, rules: RULES }) })
    }
    const pod = states[0]!.reviews.pod
    if (args.modes.includes('floor')) {
      for (const flags of args.variants) {
        const start = async () => startFloor(certs, await freePort(), flags)
        rows.push(await run('floor', flags, 0, start, pod, args, diagDir))
      }
    }
    const bundled = args.modes.includes('bundle') ? await bundleCommand(work, certs) : undefined
    if (args.modes.includes('cluster') || bundled) {
      cluster = await Cluster.start(states.at(-1)!.dir)
    }
    for (const { nads, dir } of states) {
      if (cluster) await cluster.growTo(nads)
      for (const flags of args.variants) {
        const nodeArgs = [...flags, ...probes]
        const kube = (mode: 'cluster' | 'bundle', command?: [string, string]) => {
          const kubeconfig = cluster!.cp.kubeconfigFor('admin')
          const start = async () =>
            startWebhookKube(
              kubeconfig,
              POLICY_NAMESPACE,
              certs,
              await freePort(),
              await freePort(),
              nodeArgs,
              command,
            )
          return run(mode, flags, nads, start, pod, args, diagDir)
        }
        if (args.modes.includes('cluster')) rows.push(await kube('cluster'))
        if (bundled) rows.push(await kube('bundle', bundled))
        if (args.modes.includes('folder')) {
          const start = async () =>
            startWebhook(dir, certs, await freePort(), await freePort(), nodeArgs)
          rows.push(await run('folder', flags, nads, start, pod, args, diagDir))
        }
      }
    }
    if (cluster) {
      const s = cluster.cp.stats()
      console.error(
        `apiserver RSS ${((s.apiserverRssKiB ?? 0) / 1024).toFixed(0)} MiB, etcd RSS ${((s.etcdRssKiB ?? 0) / 1024).toFixed(0)} MiB`,
      )
    }
  } finally {
    await cluster?.cp.stop()
    await rm(work, { recursive: true, force: true })
  }

  console.log(table(rows))
  let commit = 'unknown'
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
  } catch {
    // not a checkout
  }
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    kernel: execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim(),
  }
  await mkdir(dirname(args.out), { recursive: true })
  const json = { date: new Date().toISOString(), commit, machine, args, rows }
  await writeFile(args.out, JSON.stringify(json, null, 2) + '\n')
  console.log(`\nwrote ${args.out}`)
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err)
  process.exitCode = 1
})
