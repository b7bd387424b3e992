import t from 'tap'
import { truncate } from '../../src/spec/limits.js'

t.test(
  'truncate keeps short text and cuts long text to the bound, naming the length',
  async (t) => {
    t.equal(truncate('abc', 10), 'abc')
    t.equal(truncate('x'.repeat(10), 10), 'x'.repeat(10))
    const cut = truncate('x'.repeat(1_000_000), 80)
    t.ok(cut.length <= 80)
    t.match(cut, /^x+\.\.\. \(1000000 characters\)$/)
    t.equal(truncate('abcdef', 2), '... (6 characters)', 'a tiny bound keeps only the note')
  },
)

t.test('a cut never leaves half of a surrogate pair', async (t) => {
  const emoji = '\u{1F600}'.repeat(100)
  for (let max = 20; max < 40; max++) {
    const cut = truncate(emoji, max)
    t.notOk(/[\ud800-\udbff](?![\udc00-\udfff])/.test(cut), `max ${max}`)
  }
})
