import { symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { scanFolder } from '../../src/cluster/folder-scan.js'

t.test('finds manifest files under the folder, in path order', async (t) => {
  const dir = t.testdir({
    'b.yaml': 'b',
    'a.json': '{}',
    'notes.md': 'not a manifest',
    '.hidden.yaml': 'skipped',
    '.git': { 'config.yaml': 'skipped' },
    sub: { 'c.yml': 'c', deeper: { 'd.yaml': 'd' } },
  })
  symlinkSync(join(dir, 'b.yaml'), join(dir, 'link.yaml'))
  symlinkSync(join(dir, 'sub'), join(dir, 'linked-dir'))
  symlinkSync(join(dir, 'missing.yaml'), join(dir, 'dangling.yaml'))
  const found = await scanFolder(dir)
  t.same(
    [...found.keys()].map((p) => p.slice(dir.length + 1)),
    [
      'a.json',
      'b.yaml',
      'link.yaml',
      'linked-dir/c.yml',
      'linked-dir/deeper/d.yaml',
      'sub/c.yml',
      'sub/deeper/d.yaml',
    ],
  )
})

t.test('the signature changes with the content, not with a re-scan', async (t) => {
  const dir = t.testdir({ 'a.yaml': 'one' })
  const file = join(dir, 'a.yaml')
  const before = (await scanFolder(dir)).get(file)
  t.equal((await scanFolder(dir)).get(file), before)
  writeFileSync(file, 'two, longer')
  utimesSync(file, new Date(2000, 1, 1), new Date(2000, 1, 1))
  t.not((await scanFolder(dir)).get(file), before)
})

t.test('a folder that loops through a symlink stops at the depth bound', async (t) => {
  const dir = t.testdir({ 'a.yaml': 'x' })
  symlinkSync(dir, join(dir, 'loop'))
  const found = await scanFolder(dir)
  t.ok(found.size > 1 && found.size < 20, `${found.size} entries, bounded`)
})

t.test('an unreadable folder throws; an unreadable subfolder is skipped', async (t) => {
  await t.rejects(scanFolder('/nonexistent/multinet'), { code: 'ENOENT' })
  const dir = t.testdir({ 'a.yaml': 'x', locked: { 'b.yaml': 'y' } })
  const real = await import('node:fs/promises')
  const { scanFolder: scan } = await t.mockImport<
    typeof import('../../src/cluster/folder-scan.js')
  >('../../src/cluster/folder-scan.js', {
    'node:fs/promises': {
      ...real,
      readdir: async (path: string) => {
        if (path.endsWith('locked')) throw Object.assign(new Error('EACCES'), { code: 'EACCES' })
        return real.readdir(path)
      },
    },
  })
  t.same([...(await scan(dir)).keys()], [join(dir, 'a.yaml')])
})
