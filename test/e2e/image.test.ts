/**
 * The image built from the Dockerfile (scripts/image-build.sh), run the way the chart runs it:
 * as uid 65532 with a read-only root file system, no capabilities and no new privileges, by
 * runc straight from the image's layers (buildah mounts them). It answers `--version`, serves
 * `multinet webhook` (state from a read-only folder of manifests, certificates from a read-only
 * mount) over HTTPS on loopback, and carries the CNI shim the agent installs.
 */
import t from 'tap'
import { execFile, spawn } from 'node:child_process'
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { freePorts, LOOPBACK, probe, waitFor } from './net.js'

t.setTimeout(300_000)

const IMAGE = process.env.MULTINET_IMAGE ?? 'localhost/multinet:dev'
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const run = promisify(execFile)
const UID = 65532

const inspect = await run('buildah', ['inspect', '--type', 'image', IMAGE]).catch(() => undefined)
if (inspect === undefined) {
  throw new Error(`image ${IMAGE} not found: build it with bash scripts/image-build.sh`)
}
const config = JSON.parse(inspect.stdout) as {
  OCIv1: { config: { User?: string; Labels?: Record<string, string>; Entrypoint?: string[] } }
}

const work = mkdtempSync(join(tmpdir(), 'multinet-image-'))
const container = (await run('buildah', ['from', '--pull=never', IMAGE])).stdout.trim()
const rootfs = (await run('buildah', ['mount', container])).stdout.trim()
t.teardown(async () => {
  await run('buildah', ['umount', container]).catch(() => undefined)
  await run('buildah', ['rm', container]).catch(() => undefined)
  rmSync(work, { recursive: true, force: true })
})

const certs = join(work, 'certs')
await run('node', [
  join(ROOT, 'bin/multinet.js'),
  'certs',
  '--out-dir',
  certs,
  '--ip-addresses',
  LOOPBACK,
])
for (const f of ['tls.crt', 'tls.key']) chownSync(join(certs, f), UID, UID)

interface Bundle {
  id: string
  dir: string
}
let seq = 0
/** An OCI bundle over the image's root, read-only, as uid 65532 in the host's network. */
function bundle(args: string[], env: string[] = []): Bundle {
  const id = `multinet-image-e2e-${process.pid}-${++seq}`
  const dir = join(work, id)
  mkdirSync(dir)
  const bind = (source: string, destination: string) => ({
    destination,
    type: 'bind',
    source,
    options: ['rbind', 'ro', 'nosuid', 'nodev'],
  })
  const spec = {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: UID, gid: UID },
      args,
      env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'NODE_ENV=production', 'HOME=/tmp', ...env],
      cwd: '/opt/multinet',
      capabilities: { bounding: [], effective: [], inheritable: [], permitted: [], ambient: [] },
      noNewPrivileges: true,
    },
    root: { path: rootfs, readonly: true },
    hostname: id.slice(0, 63),
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      {
        destination: '/dev',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
      },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'],
      },
      {
        destination: '/dev/shm',
        type: 'tmpfs',
        source: 'shm',
        options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
      },
      {
        destination: '/sys',
        type: 'sysfs',
        source: 'sysfs',
        options: ['nosuid', 'noexec', 'nodev', 'ro'],
      },
      {
        destination: '/tmp',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'nodev', 'mode=1777', 'size=16m'],
      },
      bind(certs, '/etc/multinet/tls'),
      bind(join(ROOT, 'examples/state'), '/state'),
    ],
    linux: {
      // No network namespace: the test reaches the webhook on the host's loopback.
      namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      maskedPaths: ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/sys/firmware'],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  }
  writeFileSync(join(dir, 'config.json'), JSON.stringify(spec))
  return { id, dir }
}

/** `runc run` to completion: exit code and output. */
function runToEnd(b: Bundle): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('runc', ['run', '--bundle', b.dir, b.id], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

t.test('image metadata: non-root user, OCI labels, the multinet entrypoint', async (t) => {
  const c = config.OCIv1.config
  t.equal(c.User, '65532:65532')
  t.same(c.Entrypoint, ['node', '/opt/multinet/bin/multinet.js'])
  const labels = c.Labels ?? {}
  const version = (
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
  ).version
  t.equal(labels['org.opencontainers.image.version'], version)
  t.equal(labels['org.opencontainers.image.title'], 'multinet')
  t.equal(labels['org.opencontainers.image.licenses'], 'Apache-2.0')
  t.match(labels['org.opencontainers.image.revision'], /^[0-9a-f]{7,}$/)
})

t.test('multinet --version, as 65532 on a read-only root', async (t) => {
  const result = await runToEnd(bundle(['node', '/opt/multinet/bin/multinet.js', '--version']))
  t.equal(result.code, 0, result.stderr)
  t.match(result.stdout, /0\.1\.0/)
})

t.test('only runtime files: no sources, tests, dev dependencies or npm', async (t) => {
  const result = await runToEnd(
    bundle([
      '/bin/sh',
      '-c',
      'for p in /opt/multinet/src /opt/multinet/test /opt/multinet/node_modules/typescript ' +
        '/opt/multinet/node_modules/tap /opt/multinet/node_modules/esbuild /usr/local/bin/npm ' +
        '/usr/local/lib/node_modules; do [ -e "$p" ] && echo "present: $p"; done; ' +
        'touch /opt/multinet/x 2>&1; id -u; exit 0',
    ]),
  )
  t.equal(result.code, 0, result.stderr)
  t.notMatch(result.stdout, /present:/)
  t.match(result.stdout, /Read-only file system/)
  t.match(result.stdout, /^65532$/m)
})

t.test('the tools the agent runs itself: ip (iproute2) and nsenter', async (t) => {
  const result = await runToEnd(bundle(['/bin/sh', '-c', 'ip -V && nsenter --version']))
  t.equal(result.code, 0, result.stderr)
  t.match(result.stdout, /iproute2/)
  t.match(result.stdout, /nsenter from util-linux/)
})

t.test('the CNI shim is in the image and answers VERSION', async (t) => {
  const result = await runToEnd(
    bundle(
      ['/bin/sh', '-c', 'echo \'{"cniVersion":"1.0.0"}\' | /opt/multinet/bin/multinet-cni'],
      ['CNI_COMMAND=VERSION'],
    ),
  )
  t.equal(result.code, 0, result.stderr)
  t.match(result.stdout, /"supportedVersions"/)
})

t.test('multinet webhook serves admission reviews, as 65532 on a read-only root', async (t) => {
  const [port, healthPort] = (await freePorts(2)) as [number, number]
  const b = bundle([
    'node',
    '/opt/multinet/bin/multinet.js',
    'webhook',
    `--port=${port}`,
    `--bind-address=${LOOPBACK}`,
    `--health-port=${healthPort}`,
    `--health-bind-address=${LOOPBACK}`,
    '--state-dir=/state',
  ])
  const child = spawn('runc', ['run', '--bundle', b.dir, b.id], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (c: Buffer) => (output += c.toString()))
  child.stderr.on('data', (c: Buffer) => (output += c.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  t.teardown(async () => {
    await run('runc', ['kill', b.id, 'KILL']).catch(() => undefined)
    await exited
    await run('runc', ['delete', '--force', b.id]).catch(() => undefined)
  })
  await waitFor(
    'the webhook in the image ready',
    async () =>
      (await probe(`http://${LOOPBACK}:${healthPort}/readyz`)).status === 200 ? true : undefined,
    {
      timeoutMs: 60_000,
      abort: () => (child.exitCode !== null ? `exited ${child.exitCode}` : undefined),
    },
    () => output.slice(-3000),
  )
  const state = JSON.parse((await run('runc', ['state', b.id])).stdout) as { pid: number }
  const status = readFileSync(`/proc/${state.pid}/status`, 'utf8')
  t.match(status, /^Uid:\s+65532\s+65532\s+65532\s+65532$/m)
  t.match(status, /^CapEff:\s+0+$/m)

  const review = readFileSync(join(ROOT, 'examples/reviews/pod-forged-status.json'), 'utf8')
  const answer = await new Promise<string>((resolve, reject) => {
    const req = request(
      {
        host: LOOPBACK,
        port,
        path: '/validate',
        method: 'POST',
        ca: readFileSync(join(certs, 'ca.crt')),
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let body = ''
        res.on('data', (c: Buffer) => (body += c.toString()))
        res.on('end', () => resolve(body))
      },
    )
    req.on('error', reject)
    req.end(review)
  })
  const response = (
    JSON.parse(answer) as { response: { allowed: boolean; status?: { message?: string } } }
  ).response
  t.equal(response.allowed, false)
  t.match(response.status?.message, /pod\.network-status-forged/)

  await run('runc', ['kill', b.id, 'TERM'])
  t.equal(await exited, 0, 'SIGTERM: a clean exit')
})
