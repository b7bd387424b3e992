/**
 * The webhook's hot path, in process and over HTTPS:
 *   1. handleReview() per pod CREATE (validate and mutate), against the example state: the cost
 *      of parsing, policy and patch building with no network in the way;
 *   2. the real `multinet webhook` HTTPS server on loopback, keep-alive connections, a bounded
 *      number of requests: requests per second and latency percentiles as the API server sees them.
 * Run: npx tsx bench/admission.ts [requests]   (numbers go in notes, never in tests)
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { Agent, request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { handleReview } from '../src/admission/handle.js'
import { DEFAULT_ADMISSION_OPTIONS as options } from '../src/admission/options.js'
import { openFileState } from '../src/cluster/file-state.js'

const total = Number(process.argv[2] ?? 20_000)
const state = await openFileState('examples/state', {
  watch: false,
  logger: pino({ level: 'silent' }),
  options,
})
const body = JSON.parse(await readFile('examples/reviews/pod-create.json', 'utf8')) as unknown

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0
}

async function inProcess(endpoint: 'validate' | 'mutate'): Promise<void> {
  for (let i = 0; i < 2000; i++) await handleReview(endpoint, body, state, options) // warm up
  const start = process.hrtime.bigint()
  for (let i = 0; i < total; i++) await handleReview(endpoint, body, state, options)
  const ns = Number(process.hrtime.bigint() - start)
  console.log(
    `in-process ${endpoint}: ${Math.round(total / (ns / 1e9))} reviews/s, ${(ns / total / 1000).toFixed(1)} µs each`,
  )
}

/** The real server as a child process, on loopback ports that are unlikely to be taken. */
async function overHttps(concurrency: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'multinet-bench-'))
  const bin = 'bin/multinet.js'
  execFileSync('node', [bin, 'certs', '--out-dir', dir, '--ip-addresses', '127.0.0.1'], {
    stdio: 'ignore',
  })
  const port = 18443
  const child = spawn(
    'node',
    [
      bin,
      'webhook',
      '--state-dir',
      'examples/state',
      '--bind-address',
      '127.0.0.1',
      '--port',
      String(port),
      '--health-port',
      '18081',
      '--health-bind-address',
      '127.0.0.1',
      '--tls-cert-file',
      join(dir, 'tls.crt'),
      '--tls-key-file',
      join(dir, 'tls.key'),
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  )
  const ca = await readFile(join(dir, 'ca.crt'))
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, ca })
  const payload = JSON.stringify(body)
  const post = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const started = process.hrtime.bigint()
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/mutate',
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          res.resume()
          res.on('end', () =>
            res.statusCode === 200
              ? resolve(Number(process.hrtime.bigint() - started) / 1e6)
              : reject(new Error(`HTTP ${res.statusCode}`)),
          )
        },
      )
      req.on('error', reject)
      req.end(payload)
    })
  for (let i = 0; ; i++) {
    try {
      await post()
      break
    } catch (err) {
      if (i > 100) throw err
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  const latencies: number[] = []
  let next = 0
  const start = Date.now()
  const worker = async (): Promise<void> => {
    while (next++ < total) latencies.push(await post())
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const seconds = (Date.now() - start) / 1000
  latencies.sort((a, b) => a - b)
  console.log(
    `https /mutate, ${concurrency} connections: ${Math.round(latencies.length / seconds)} req/s, ` +
      `p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms, ` +
      `max ${latencies.at(-1)?.toFixed(2)} ms (${latencies.length} requests)`,
  )
  agent.destroy()
  child.kill('SIGTERM')
  await new Promise((r) => child.once('exit', r))
  await rm(dir, { recursive: true, force: true })
}

await inProcess('validate')
await inProcess('mutate')
await state.close()
await overHttps(1)
await overHttps(8)
