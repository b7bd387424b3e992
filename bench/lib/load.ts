/**
 * One measured run: autocannon (in this process, pinned to CPU 1) drives keep-alive HTTPS POSTs
 * at a server pinned to CPU 0; the server's CPU time over exactly the measured window gives the
 * CPU cost per request.
 */
import autocannon from 'autocannon'
import { cpuSeconds } from './proc.js'

export interface LoadSpec {
  readonly url: string
  readonly ca: Buffer
  readonly body: string
  readonly connections: number
  readonly seconds: number
  /** Requests per second over all connections (open-loop), when set. */
  readonly rate?: number
  /** A fixed number of requests instead of a duration (the burst). */
  readonly amount?: number
}

export interface LoadResult {
  readonly requests: number
  readonly errors: number
  readonly rps: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly p999Ms: number
  readonly maxMs: number
  readonly cpuUsPerRequest: number
}

interface Fired {
  readonly result: autocannon.Result
  /** Latencies of the 2xx answers in ms, sorted (autocannon's own histogram keeps whole ms). */
  readonly latencies: Float64Array
}

function fire(spec: LoadSpec): Promise<Fired> {
  const samples: number[] = []
  return new Promise((resolve, reject) => {
    const tracker = autocannon(
      {
        url: spec.url,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: spec.body,
        connections: spec.connections,
        pipelining: 1,
        ...(spec.amount === undefined ? { duration: spec.seconds } : { amount: spec.amount }),
        ...(spec.rate === undefined ? {} : { overallRate: spec.rate }),
        tlsOptions: { ca: spec.ca },
        timeout: 30,
      } as autocannon.Options,
      (err, result) => {
        if (err) return reject(err)
        resolve({ result, latencies: new Float64Array(samples).sort() })
      },
    )
    tracker.on('response', (_client, status: number, _bytes, ms: number) => {
      if (status >= 200 && status < 300) samples.push(ms)
    })
  })
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

export async function measure(pid: number, spec: LoadSpec): Promise<LoadResult> {
  const cpuBefore = cpuSeconds(pid)
  const { result: r, latencies } = await fire(spec)
  const cpu = cpuSeconds(pid) - cpuBefore
  const ok = latencies.length
  return {
    requests: r.requests.total,
    errors: r.errors + r.timeouts + r.non2xx,
    rps: ok / r.duration,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    p999Ms: percentile(latencies, 99.9),
    maxMs: latencies.at(-1) ?? 0,
    cpuUsPerRequest: ok > 0 ? (cpu * 1e6) / ok : 0,
  }
}

/**
 * An unmeasured run so JIT, caches and TLS sessions are warm; `seconds` defaults to half the
 * measured run. Give the webhook several seconds: V8 keeps optimising its functions for tens
 * of seconds under load, on helper threads whose CPU time the measurement would otherwise
 * charge to the requests (about 50 µs per pod request after a 2 s warm-up, 1 µs once warm).
 */
export async function warmUp(spec: LoadSpec, seconds?: number): Promise<void> {
  await fire({ ...spec, seconds: seconds ?? Math.max(1, Math.round(spec.seconds / 2)) })
}
