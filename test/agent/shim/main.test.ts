/**
 * The shim as the runtime runs it: a child process, three ways (the TypeScript entry through
 * tsx, `multinet cni` through the CLI, and the single executable that scripts/build-shim.sh
 * builds here, run with an empty environment: no Node.js on PATH).
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { ok, startFakeAgent } from './fixtures/fake-agent.js'

t.setTimeout(300_000)

const root = fileURLToPath(new URL('../../../', import.meta.url))

interface Child {
  readonly code: number | null
  readonly stdout: string
  readonly json: Record<string, unknown> | undefined
}

function run(cmd: string, args: string[], env: Record<string, string>, stdin: string) {
  return new Promise<Child>((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'inherit'] })
    let stdout = ''
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      const line = stdout.trim()
      resolve({
        code,
        stdout,
        json: line ? (JSON.parse(line) as Record<string, unknown>) : undefined,
      })
    })
    child.stdin.end(stdin)
  })
}

function shortDir(t: Test): string {
  const dir = mkdtempSync('/tmp/mncni-shim-')
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

type Runner = (env: Record<string, string>, stdin: string) => Promise<Child>

/** The node-based ways keep tap's coverage variables; the shim forwards none of them. */
const nodeEnv = (env: Record<string, string>) => ({
  ...Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] => e[0].startsWith('NODE_') && e[1] !== undefined,
    ),
  ),
  ...env,
})

async function buildSea(t: Test): Promise<string> {
  const dir = shortDir(t)
  const built = await new Promise<string>((resolve, reject) => {
    const child = spawn('bash', [join(root, 'scripts/build-shim.sh'), dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (b: Buffer) => (out += b.toString()))
    child.stderr.on('data', (b: Buffer) => (err += b.toString()))
    child.on('close', (code) =>
      code === 0
        ? resolve(out.trim().split('\n').pop()!)
        : reject(new Error(`build failed: ${err}`)),
    )
  })
  return built
}

const conf = (socket: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ cniVersion: '1.0.0', name: 'multinet', type: 'multinet', socket, ...extra })

const cniEnv = (command: string) => ({
  CNI_COMMAND: command,
  CNI_CONTAINERID: 'ctr1',
  CNI_NETNS: '/run/netns/x',
  CNI_IFNAME: 'eth0',
  CNI_ARGS: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=p',
  CNI_PATH: '/opt/cni/bin',
})

async function behaves(t: Test, runner: Runner) {
  const version = await runner({ CNI_COMMAND: 'VERSION' }, '{"cniVersion":"1.0.0"}')
  t.equal(version.code, 0)
  t.same(version.json?.supportedVersions, ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'])

  const agent = await startFakeAgent(shortDir(t))
  t.teardown(() => agent.close())
  const result = { cniVersion: '1.0.0', ips: [{ address: '10.251.0.9/24' }] }
  agent.handler = () => ok(result)
  const add = await runner({ ...cniEnv('ADD'), SECRET_TOKEN: 'x' }, conf(agent.socket))
  t.equal(add.code, 0)
  t.same(add.json, result)
  t.same(agent.requests[0]?.env, cniEnv('ADD'), 'only the CNI_* variables reach the agent')

  const none = join(shortDir(t), 'none.sock')
  const del = await runner(cniEnv('DEL'), conf(none))
  t.equal(del.code, 1)
  t.equal(del.json?.code, 11)
  const noAgent = await runner(cniEnv('ADD'), conf(none, { readyTimeoutMs: 100 }))
  t.equal(noAgent.code, 1)
  t.equal(noAgent.json?.code, 100)
  t.match(noAgent.json?.msg, `is multinet-agent running on this node? socket ${none}`)
}

t.test('the shim bundles only node built-ins, the protocol and its own files', async (t) => {
  const { build } = await import('esbuild')
  const out = await build({
    entryPoints: [join(root, 'src/agent/shim/main.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: root,
  })
  t.same(Object.keys(out.metafile.inputs).sort(), [
    'src/agent/protocol.ts',
    'src/agent/shim/http.ts',
    'src/agent/shim/main.ts',
    'src/agent/shim/run.ts',
  ])
})

t.test('the TypeScript entry (tsx)', (t) =>
  behaves(t, (env, stdin) =>
    run(
      process.execPath,
      ['--import', 'tsx', join(root, 'src/agent/shim/main.ts')],
      nodeEnv(env),
      stdin,
    ),
  ),
)

t.test('multinet cni', (t) =>
  behaves(t, (env, stdin) =>
    run(process.execPath, [join(root, 'bin/multinet.js'), 'cni'], nodeEnv(env), stdin),
  ),
)

t.test('the single executable, with an empty environment', async (t) => {
  const sea = await buildSea(t)
  t.match(sea, /\/multinet-cni$/, 'the build prints the output path last')
  // env -i: nothing inherited, not even PATH (and not tap's NODE_OPTIONS).
  await behaves(t, (env, stdin) =>
    run(
      '/usr/bin/env',
      ['-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), sea],
      {},
      stdin,
    ),
  )
})
