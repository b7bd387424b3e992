import t from 'tap'
import { main } from '../../src/cli/main.js'
import { captureIo } from '../fixtures/cli/io.js'

t.test('no command prints usage and exits 2', async (t) => {
  const c = captureIo()
  t.equal(await main([], c.io), 2)
  t.match(c.stdout(), /Usage: multinet <command>/)
})

t.test('help exits 0', async (t) => {
  for (const h of ['help', '--help', '-h']) {
    const c = captureIo()
    t.equal(await main([h], c.io), 0)
    t.match(c.stdout(), /webhook[\s\S]*review[\s\S]*certs/)
  }
})

t.test('an unknown command names itself', async (t) => {
  const c = captureIo()
  t.equal(await main(['frobnicate'], c.io), 2)
  t.match(c.stderr(), /unknown command "frobnicate"/)
})

t.test('version prints the package version', async (t) => {
  const c = captureIo()
  t.equal(await main(['version'], c.io), 0)
  t.match(c.stdout(), /^multinet \d+\.\d+\.\d+\n$/)
})

t.test('commands are dispatched with their arguments', async (t) => {
  const c = captureIo()
  t.equal(await main(['review', '--help'], c.io), 0)
  t.match(c.stdout(), /Usage: multinet review/)
})
