import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import {
  DEFAULT_PATH,
  execPlugin,
  findPlugin,
  type PluginExec,
} from '../../../src/agent/cni/exec.js'
import { CniPluginError } from '../../../src/agent/cni/plugin-error.js'
import { scriptPlugin } from './fixtures/host.js'

function call(path: string, extra: Partial<PluginExec> = {}): PluginExec {
  return {
    pluginType: 'script',
    path,
    command: 'ADD',
    cniEnv: { CNI_CONTAINERID: 'c1', CNI_IFNAME: 'eth0' },
    stdin: { cniVersion: '1.0.0', name: 'n', type: 'script' },
    timeoutMs: 30_000,
    envPath: DEFAULT_PATH,
    ...extra,
  }
}

async function rejected(t: Test, p: Promise<unknown>): Promise<CniPluginError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  t.type(err, CniPluginError)
  return err as CniPluginError
}

/** Waits until `pid` is gone (an event the kernel gives us, polled; the test timeout catches hangs). */
async function gone(pid: number): Promise<void> {
  while (existsSync(`/proc/${pid}`)) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2]
    if (stat === 'Z') return
    await new Promise((r) => setTimeout(r, 20))
  }
}

t.test('stdin in, parsed stdout out; only PATH and CNI_* in the environment', async (t) => {
  const dir = t.testdir({})
  const path = scriptPlugin(
    dir,
    'echoer',
    `cat > '${dir}/stdin.json'; env -0 > '${dir}/env.txt'; echo '{"cniVersion":"1.0.0","ips":[]}'`,
  )
  process.env.MNCNI_SECRET = 'do-not-leak'
  t.teardown(() => delete process.env.MNCNI_SECRET)
  t.same(await execPlugin(call(path)), { cniVersion: '1.0.0', ips: [] })
  t.same(JSON.parse(readFileSync(join(dir, 'stdin.json'), 'utf8')), call(path).stdin)
  const env = Object.fromEntries(
    readFileSync(join(dir, 'env.txt'), 'utf8')
      .split('\0')
      .filter((l) => l !== '')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  )
  t.equal(env.CNI_COMMAND, 'ADD')
  t.equal(env.CNI_CONTAINERID, 'c1')
  t.equal(env.PATH, DEFAULT_PATH)
  t.notOk('MNCNI_SECRET' in env, 'the agent environment is not inherited')
  // The shell adds PWD (and maybe SHLVL, _); tap's process tracking adds NODE_OPTIONS and
  // _TAPJS_* to every child it sees. Nothing else comes from us.
  const ours = Object.keys(env).filter(
    (k) => !['PWD', 'SHLVL', '_', 'OLDPWD', 'NODE_OPTIONS'].includes(k) && !k.startsWith('_TAPJS_'),
  )
  t.same(ours.sort(), ['CNI_COMMAND', 'CNI_CONTAINERID', 'CNI_IFNAME', 'PATH'])
})

t.test('empty stdout on success is no result', async (t) => {
  const path = scriptPlugin(t.testdir({}), 'quiet', 'cat >/dev/null')
  t.equal(await execPlugin(call(path, { command: 'DEL' })), undefined)
})

t.test('a CNI error on stdout with exit 1, stderr kept', async (t) => {
  const path = scriptPlugin(
    t.testdir({}),
    'failer',
    `cat >/dev/null; echo 'some log' >&2
echo '{"cniVersion":"1.0.0","code":7,"msg":"bad config","details":"key x"}'; exit 1`,
  )
  const err = await rejected(t, execPlugin(call(path)))
  t.equal(err.failure, 'plugin')
  t.equal(err.code, 7)
  t.equal(err.msg, 'bad config')
  t.equal(err.details, 'key x')
  t.equal(err.stderr, 'some log\n')
  t.equal(err.message, 'script ADD: bad config: key x')
})

t.test('a non-JSON failure names the exit status and what it said', async (t) => {
  const path = scriptPlugin(t.testdir({}), 'crash', 'cat >/dev/null; echo panic >&2; exit 2')
  const err = await rejected(t, execPlugin(call(path)))
  t.equal(err.failure, 'exec')
  t.equal(err.code, 5)
  t.equal(err.msg, 'exited with status 2')
  t.equal(err.details, 'panic\n')
})

t.test('a failure with no output at all', async (t) => {
  const path = scriptPlugin(t.testdir({}), 'mute', 'exit 3')
  const err = await rejected(t, execPlugin(call(path)))
  t.equal(err.msg, 'exited with status 3')
  t.equal(err.details, undefined)
})

t.test('killed by a signal it did not get from us', async (t) => {
  const path = scriptPlugin(t.testdir({}), 'segv', 'cat >/dev/null; kill -SEGV $$')
  const err = await rejected(t, execPlugin(call(path)))
  t.equal(err.failure, 'exec')
  t.equal(err.msg, 'killed by SIGSEGV')
})

t.test('invalid JSON on success is an output error', async (t) => {
  const path = scriptPlugin(t.testdir({}), 'garbage', 'cat >/dev/null; echo "{not json"')
  const err = await rejected(t, execPlugin(call(path)))
  t.equal(err.failure, 'output')
  t.equal(err.code, 6)
  t.match(err.msg, /^wrote invalid JSON on stdout: /)
  t.equal(err.details, '{not json')
})

t.test('more than 1 MiB on stdout is refused', async (t) => {
  const path = scriptPlugin(
    t.testdir({}),
    'flood',
    'cat >/dev/null; head -c 1100000 /dev/zero | tr "\\0" "a"',
  )
  const err = await rejected(t, execPlugin(call(path)))
  t.equal(err.failure, 'output')
  t.equal(err.msg, 'wrote more than 1048576 bytes on stdout')
})

t.test('a plugin that never reads stdin still has its answer read', async (t) => {
  const path = scriptPlugin(t.testdir({}), 'noread', 'echo \'{"cniVersion":"1.0.0"}\'')
  const big = { cniVersion: '1.0.0', pad: 'x'.repeat(200_000) }
  t.same(await execPlugin(call(path, { stdin: big })), { cniVersion: '1.0.0' })
})

t.test('timeout: the plugin and its children are killed; the error names them', async (t) => {
  const dir = t.testdir({})
  const path = scriptPlugin(
    dir,
    'sleepy',
    `cat >/dev/null; sleep 300 & echo $! > '${dir}/child.pid'; wait`,
  )
  const err = await rejected(t, execPlugin(call(path, { pluginType: 'sleepy', timeoutMs: 500 })))
  t.equal(err.failure, 'timeout')
  t.equal(err.pluginType, 'sleepy')
  t.equal(err.message, `sleepy ADD: timed out after 500 ms and was killed: ${path}`)
  const child = Number(readFileSync(join(dir, 'child.pid'), 'utf8'))
  await gone(child)
  t.pass('the delegated child (same process group) was killed too')
})

t.test('abort: before start, and while running', async (t) => {
  const dir = t.testdir({})
  const path = scriptPlugin(dir, 'slow', `cat >/dev/null; touch '${dir}/started'; sleep 300`)
  const pre = await rejected(t, execPlugin(call(path, { signal: AbortSignal.abort() })))
  t.equal(pre.failure, 'aborted')
  t.equal(pre.msg, 'aborted before start')
  t.notOk(existsSync(join(dir, 'started')), 'never started')

  const ac = new AbortController()
  const running = execPlugin(call(path, { signal: ac.signal }))
  while (!existsSync(join(dir, 'started'))) await new Promise((r) => setTimeout(r, 10))
  ac.abort()
  const err = await rejected(t, running)
  t.equal(err.failure, 'aborted')
  t.equal(err.msg, 'aborted and was killed')
})

t.test('a binary that cannot be executed', async (t) => {
  const dir = t.testdir({})
  const path = join(dir, 'noexec')
  writeFileSync(path, '#!/bin/sh\ntrue\n', { mode: 0o644 })
  const err = await rejected(t, execPlugin(call(path)))
  t.equal(err.failure, 'exec')
  t.match(err.msg, `cannot run ${path}: `)
})

t.test('findPlugin: first executable match in binDirs order', async (t) => {
  const a = t.testdir({})
  const b = join(a, 'b')
  const { mkdirSync } = await import('node:fs')
  mkdirSync(b)
  writeFileSync(join(a, 'p'), 'x', { mode: 0o644 })
  const exe = scriptPlugin(b, 'p', 'true')
  t.equal(await findPlugin('p', 'ADD', [a, b]), exe, 'a non-executable file is skipped')
  const err = await rejected(t, findPlugin('q', 'DEL', [a, b]))
  t.equal(err.failure, 'not-found')
  t.equal(err.command, 'DEL')
  t.equal(err.code, 7)
})
