import { utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { DEFAULT_PATH } from '../../../src/agent/cni/exec.js'
import { CniPluginError } from '../../../src/agent/cni/plugin-error.js'
import { VersionCache } from '../../../src/agent/cni/probe.js'
import { recorded, recorderPlugin, scriptPlugin } from './fixtures/host.js'

const o = { timeoutMs: 30_000, envPath: DEFAULT_PATH }

t.test('VERSION is asked once per binary and again when the binary changes', async (t) => {
  const dir = t.testdir({})
  const path = recorderPlugin(dir, 'spy', ['0.4.0', '1.0.0'])
  const cache = new VersionCache()
  t.same(await cache.versionsOf('spy', path, o), ['0.4.0', '1.0.0'])
  t.same(await cache.versionsOf('spy', path, o), ['0.4.0', '1.0.0'])
  t.equal(recorded(dir, 'spy').length, 1, 'cached')
  t.same(recorded(dir, 'spy')[0]!.stdin, { cniVersion: '1.1.0' })
  const later = new Date(Date.now() + 5000)
  utimesSync(path, later, later)
  await cache.versionsOf('spy', path, o)
  t.equal(recorded(dir, 'spy').length, 2, 'a new mtime is a new binary')
})

t.test('a pre-0.3 plugin answers only its version: 0.1.0 and 0.2.0', async (t) => {
  const path = scriptPlugin(
    t.testdir({}),
    'ancient',
    'cat >/dev/null; echo \'{"cniVersion":"0.2.0"}\'',
  )
  t.same(await new VersionCache().versionsOf('ancient', path, o), ['0.1.0', '0.2.0'])
})

t.test('an answer without supportedVersions is an output error', async (t) => {
  const dir = t.testdir({})
  for (const [name, out] of [
    ['weird', '{"supportedVersions":"1.0.0"}'],
    ['empty', ''],
  ] as const) {
    const path = scriptPlugin(dir, name, `cat >/dev/null; echo '${out}'`)
    const err = await new VersionCache().versionsOf(name, path, o).catch((e: unknown) => e)
    t.type(err, CniPluginError)
    t.equal((err as CniPluginError).failure, 'output')
    t.equal((err as CniPluginError).command, 'VERSION')
  }
  const bad = join(dir, 'missing')
  writeFileSync(join(dir, 'x'), '')
  await t.rejects(new VersionCache().versionsOf('missing', bad, o), { code: 'ENOENT' })
})
