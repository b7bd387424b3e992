import { watch } from 'node:fs'
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import {
  capabilitiesOf,
  findPrimary,
  installShim,
  NodeConfig,
  nodeConfigFor,
  readConfig,
  writeAtomic,
} from '../../src/agent/node-config.js'
import { captureLogs } from '../fixtures/webhook/logs.js'

function tmp(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'mnag-conf-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const flannel = {
  cniVersion: '0.3.1',
  name: 'cbr0',
  plugins: [
    { type: 'flannel', delegate: { isDefaultGateway: true } },
    { type: 'portmap', capabilities: { portMappings: true, other: false } },
    { type: 'bandwidth', capabilities: { bandwidth: true } },
  ],
}

t.test(
  'the node conflist wraps the primary: its version, its name, the union of true capabilities',
  async (t) => {
    t.same(capabilitiesOf(flannel), { bandwidth: true, portMappings: true })
    t.same(capabilitiesOf({ type: 'bridge', capabilities: { ips: true } }), { ips: true })
    t.same(capabilitiesOf({ type: 'bridge' }), {})
    t.same(JSON.parse(nodeConfigFor(flannel, '/run/multinet/agent.sock')), {
      cniVersion: '0.3.1',
      name: 'cbr0',
      plugins: [
        {
          type: 'multinet',
          socket: '/run/multinet/agent.sock',
          capabilities: { bandwidth: true, portMappings: true },
        },
      ],
    })
    t.same(
      JSON.parse(
        nodeConfigFor({ cniVersions: ['1.1.0', '1.0.0'], plugins: [{ type: 'x' }] }, '/s'),
      ),
      {
        cniVersion: '1.1.0',
        name: 'multinet',
        plugins: [{ type: 'multinet', socket: '/s' }],
      },
    )
    t.equal(JSON.parse(nodeConfigFor({ type: 'x' }, '/s')).cniVersion, '1.0.0')
  },
)

t.test('primary discovery: first *.conf/*.conflist by name, never ours or a wrapper', async (t) => {
  const dir = tmp(t)
  t.equal(await findPrimary(join(dir, 'missing'), undefined, '00-multinet.conflist'), undefined)
  writeFileSync(
    join(dir, '00-multinet.conflist'),
    JSON.stringify({ plugins: [{ type: 'multinet' }] }),
  )
  writeFileSync(join(dir, '01-old-wrapper.conf'), JSON.stringify({ type: 'multinet', name: 'x' }))
  writeFileSync(join(dir, '05-broken.conf'), '{')
  writeFileSync(join(dir, '10-flannel.conflist'), JSON.stringify(flannel))
  writeFileSync(join(dir, '20-other.conf'), JSON.stringify({ type: 'bridge' }))
  writeFileSync(join(dir, '.hidden.conf'), JSON.stringify({ type: 'bridge' }))
  writeFileSync(join(dir, 'README'), 'x')
  t.equal(
    await findPrimary(dir, undefined, '00-multinet.conflist'),
    join(dir, '10-flannel.conflist'),
  )
  t.equal(
    await findPrimary(dir, '20-other.conf', '00-multinet.conflist'),
    join(dir, '20-other.conf'),
  )
  t.equal(await findPrimary(dir, '/abs/x.conf', '00-multinet.conflist'), '/abs/x.conf')
  await t.rejects(readConfig(join(dir, 'README')), /JSON/)
  writeFileSync(join(dir, 'odd.conf'), '[1]')
  await t.rejects(readConfig(join(dir, 'odd.conf')), /not a JSON object/)
  writeFileSync(join(dir, 'odd.conf'), '{"name":"x"}')
  await t.rejects(readConfig(join(dir, 'odd.conf')), /neither a plugin config/)
})

t.test(
  'written atomically, rewritten when the primary changes (fs.watch), kept when it goes',
  async (t) => {
    const dir = tmp(t)
    const logs = captureLogs()
    const nc = new NodeConfig({
      confDir: dir,
      primaryConfig: undefined,
      nodeConfigName: '00-multinet.conflist',
      socket: '/run/m.sock',
      checkIntervalMs: 3_600_000,
      logger: logs.logger,
    })
    t.teardown(() => nc.stop())
    await nc.start()
    t.equal(nc.current(), undefined)
    t.match(nc.problem(), /no primary network config \(\*.conf, \*.conflist\) in .* besides ours/)
    t.match(nc.describe(), /no primary network config/)

    // Wait on the file itself: the agent's own watch rewrites it after our change.
    const changed = (): Promise<void> =>
      new Promise((resolve) => {
        const w = watch(dir, (_e, name) => {
          if (name === '00-multinet.conflist') {
            w.close()
            resolve()
          }
        })
      })
    let next = changed()
    writeFileSync(join(dir, '10-flannel.conflist'), JSON.stringify(flannel))
    await next
    await nc.sync()
    const path = join(dir, '00-multinet.conflist')
    t.equal(JSON.parse(readFileSync(path, 'utf8')).name, 'cbr0')
    t.equal(statSync(path).mode & 0o777, 0o644)
    t.equal(nc.problem(), undefined)
    t.equal(nc.describe(), join(dir, '10-flannel.conflist'))
    t.same(nc.current(), flannel)

    next = changed()
    writeFileSync(join(dir, '10-flannel.conflist'), JSON.stringify({ ...flannel, name: 'renamed' }))
    await next
    await nc.sync()
    t.equal(JSON.parse(readFileSync(path, 'utf8')).name, 'renamed')
    t.equal(logs.find('node CNI config written').length >= 2, true)

    // Another installer removed or renamed our file (Cilium does, Multus #972): it comes back.
    rmSync(path)
    await nc.sync()
    t.equal(JSON.parse(readFileSync(path, 'utf8')).name, 'renamed')

    rmSync(join(dir, '10-flannel.conflist'))
    await nc.sync()
    t.ok(statSync(path).isFile(), 'never deleted: pods must not start without their networks')
    t.equal(nc.current()?.name, 'renamed', 'the last good primary keeps serving')
    t.equal(nc.problem(), undefined)
    t.same(
      readdirSync(dir).filter((n) => n.includes('.tmp-')),
      [],
    )
  },
)

t.test('a broken primary is reported; concurrent syncs coalesce', async (t) => {
  const dir = tmp(t)
  writeFileSync(join(dir, '10-x.conf'), '{')
  const logs = captureLogs()
  const nc = new NodeConfig({
    confDir: dir,
    primaryConfig: '10-x.conf',
    nodeConfigName: '00-multinet.conflist',
    socket: '/s',
    checkIntervalMs: 3_600_000,
    logger: logs.logger,
  })
  await Promise.all([nc.sync(), nc.sync(), nc.sync()])
  t.match(nc.problem(), /JSON/)
  t.equal(logs.find('node CNI config not updated').length, 1, 'one log per distinct problem')
})

t.test('writeAtomic and installShim replace files without a torn state', async (t) => {
  const dir = tmp(t)
  await writeAtomic(join(dir, 'f'), 'one', 0o600)
  await writeAtomic(join(dir, 'f'), 'two', 0o600)
  t.equal(readFileSync(join(dir, 'f'), 'utf8'), 'two')
  await t.rejects(writeAtomic(join(dir, 'missing', 'f'), 'x', 0o600), /ENOENT/)
  mkdirSync(join(dir, 'adir'))
  await t.rejects(writeAtomic(join(dir, 'adir'), 'x', 0o600), /EISDIR|EEXIST|ENOTDIR/)
  writeFileSync(join(dir, 'shim'), '#!/bin/sh\necho hi\n')
  const bin = join(dir, 'bin')
  mkdirSync(bin)
  t.equal(await installShim(join(dir, 'shim'), bin), join(bin, 'multinet'))
  t.equal(statSync(join(bin, 'multinet')).mode & 0o777, 0o755)
  t.equal(readFileSync(join(bin, 'multinet'), 'utf8'), '#!/bin/sh\necho hi\n')
  await t.rejects(installShim(join(dir, 'nope'), bin), /ENOENT/)
  t.same(readdirSync(bin), ['multinet'], 'no temp file left after a failed install')
})
