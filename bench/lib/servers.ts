/**
 * The processes under test: the real `multinet webhook` over HTTPS against a state folder, and
 * the floor, a bare Fastify HTTPS route that parses the same body and returns a fixed answer.
 * Each runs as its own child process pinned to CPU 0; the load generator stays on CPU 1.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { request } from 'node:http'
import { join } from 'node:path'
import { multinetCommand } from './build.js'
import { pin } from './proc.js'

export interface Server {
  readonly pid: number
  readonly url: string
  readonly ca: Buffer
  /** The health server, for /metrics (undefined for the floor). */
  readonly healthUrl: string | undefined
  stop(): Promise<void>
}

export function makeCerts(dir: string): void {
  execFileSync(
    'node',
    ['bin/multinet.js', 'certs', '--out-dir', dir, '--ip-addresses', '127.0.0.1'],
    {
      stdio: 'ignore',
    },
  )
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    await exited
    clearTimeout(timer)
  }
}

async function waitHttp(url: string, ok: (status: number) => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 120_000
  for (;;) {
    const status = await new Promise<number>((resolve) => {
      const req = request(url, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', () => resolve(0))
      req.end()
    })
    if (ok(status)) return
    if (Date.now() > deadline) throw new Error(`${what} did not become ready in 120 s`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

export async function startWebhook(
  stateDir: string,
  certDir: string,
  port: number,
  healthPort: number,
  /** Extra Node flags, e.g. `--cpu-prof` (bench/profile.ts). */
  nodeArgs: readonly string[] = [],
): Promise<Server> {
  return launchWebhook(multinetCommand(certDir), ['--state-dir', stateDir], {
    certDir,
    port,
    healthPort,
    nodeArgs,
  })
}

/**
 * The compiled webhook in cluster mode (informers on the API server behind `kubeconfig`, policy
 * ConfigMaps from `namespace`), as production runs it; ready once its /readyz says the caches
 * are synced. bench/memory.ts measures it at 10 to 10,000 NADs.
 */
export async function startWebhookKube(
  kubeconfig: string,
  namespace: string,
  certDir: string,
  port: number,
  healthPort: number,
  nodeArgs: readonly string[] = [],
  /** `[node, runner]` of another build (a bundle); default: dist/ (multinetCommand). */
  command?: readonly [string, string],
): Promise<Server> {
  return launchWebhook(
    command ?? multinetCommand(certDir),
    ['--kubeconfig', kubeconfig, '--namespace', namespace],
    { certDir, port, healthPort, nodeArgs },
  )
}

/** `multinet webhook` with its state options, on loopback, pinned to CPU 0, once ready. */
async function launchWebhook(
  [node, runner]: readonly [string, string],
  stateArgs: readonly string[],
  at: { certDir: string; port: number; healthPort: number; nodeArgs: readonly string[] },
): Promise<Server> {
  const { certDir, port, healthPort } = at
  const child = spawn(
    node,
    [
      ...at.nodeArgs,
      runner,
      'webhook',
      ...stateArgs,
      '--bind-address',
      '127.0.0.1',
      '--port',
      String(port),
      '--health-port',
      String(healthPort),
      '--health-bind-address',
      '127.0.0.1',
      '--tls-cert-file',
      join(certDir, 'tls.crt'),
      '--tls-key-file',
      join(certDir, 'tls.key'),
    ],
    // Production log level (info) to a sink: per-request logging is part of the cost.
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } },
  )
  pin(child.pid!, 0)
  const stop = stopper(child)
  try {
    await waitHttp(`http://127.0.0.1:${healthPort}/readyz`, (s) => s === 200, 'multinet webhook')
  } catch (err) {
    await stop()
    throw err
  }
  return {
    pid: child.pid!,
    url: `https://127.0.0.1:${port}`,
    ca: await readFile(join(certDir, 'ca.crt')),
    healthUrl: `http://127.0.0.1:${healthPort}`,
    stop,
  }
}

export async function startFloor(
  certDir: string,
  port: number,
  nodeArgs: readonly string[] = [],
): Promise<Server> {
  const child = spawn(
    'node',
    [...nodeArgs, '--import', 'tsx', 'bench/floor-server.ts', certDir, String(port)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NODE_ENV: 'production' },
    },
  )
  pin(child.pid!, 0)
  const stop = stopper(child)
  // The floor prints "ready" once it listens.
  await new Promise<void>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('ready')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`floor server exited (${code})`)))
  })
  return {
    pid: child.pid!,
    url: `https://127.0.0.1:${port}`,
    ca: await readFile(join(certDir, 'ca.crt')),
    healthUrl: undefined,
    stop,
  }
}

/** The webhook's heap in use, from its own /metrics (prom-client's default metrics). */
export async function heapUsedBytes(server: Server): Promise<number | undefined> {
  if (server.healthUrl === undefined) return undefined
  const text = await new Promise<string>((resolve) => {
    const req = request(`${server.healthUrl}/metrics`, (res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () => resolve(body))
    })
    req.on('error', () => resolve(''))
    req.end()
  })
  const m = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\S+)/m.exec(text)
  return m?.[1] === undefined ? undefined : Number(m[1])
}
