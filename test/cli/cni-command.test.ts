import { PassThrough } from 'node:stream'
import t from 'tap'
import { CNI_HELP, cniCommand } from '../../src/cli/cni-command.js'
import { main } from '../../src/cli/main.js'
import { testIo } from '../fixtures/webhook/cli-io.js'

t.test('--help, and no arguments otherwise', async (t) => {
  const help = testIo('/')
  t.equal(await cniCommand(['--help'], help.io), 0)
  t.equal(help.stdout(), CNI_HELP)
  const bad = testIo('/')
  t.equal(await cniCommand(['ADD'], bad.io), 2)
  t.match(bad.stderr(), /^multinet cni: takes no arguments/)
})

t.test('runs the shim on the CLI streams (VERSION through main)', async (t) => {
  const c = testIo('/', { CNI_COMMAND: 'VERSION' })
  ;(c.io.stdin as PassThrough).end('{"cniVersion":"1.0.0"}')
  t.equal(await main(['cni'], c.io), 0)
  t.match(JSON.parse(c.stdout()), {
    supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'],
  })
  const usage = testIo('/')
  await main([], usage.io)
  t.match(usage.stdout(), /\n {2}cni {7}the CNI shim/)
})
