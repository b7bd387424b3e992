import { PassThrough } from 'node:stream'
import t from 'tap'
import { progressOn } from '../../../src/cli/kubectl/progress.js'

t.test('nothing at all when stderr is not a terminal', async (t) => {
  const err = new PassThrough()
  const p = progressOn(err)
  p.update('pods', 500)
  p.done()
  t.equal(err.read(), null)
})

t.test(
  'a terminal sees a count that rewrites itself, at most every 100 ms, then erased',
  async (t) => {
    const err = Object.assign(new PassThrough(), { isTTY: true })
    let now = 1000
    const p = progressOn(err, () => now)
    p.update('pods', 500)
    now += 50
    p.update('pods', 1000)
    now += 100
    p.update('pods', 1500)
    p.done()
    p.done()
    t.equal(String(err.read()), '\r\x1b[Kreading pods: 500\r\x1b[Kreading pods: 1500\r\x1b[K')
  },
)
