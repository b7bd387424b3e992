import t from 'tap'
import { compilePair, compilePart, hasGlob, matchPair, matchPart } from '../../src/policy/glob.js'

t.test('a part without * matches only itself', async (t) => {
  const m = compilePart('storage')
  t.same(m, { exact: 'storage' })
  t.ok(matchPart(m, 'storage'))
  t.notOk(matchPart(m, 'storage-2'))
  t.notOk(matchPart(m, 'Storage'))
})

t.test('* matches any run of characters, including none', async (t) => {
  const m = compilePart('storage-*')
  t.ok(matchPart(m, 'storage-'))
  t.ok(matchPart(m, 'storage-eu-1'))
  t.notOk(matchPart(m, 'storage'))
  t.notOk(matchPart(m, 'x-storage-1'), 'anchored at the start')
  const middle = compilePart('a*b*c')
  t.ok(matchPart(middle, 'abc'))
  t.ok(matchPart(middle, 'a-x-b-y-c'))
  t.notOk(matchPart(middle, 'a-x-c'))
  t.ok(matchPart(compilePart('*'), 'anything'))
})

t.test('regular-expression characters are literal', async (t) => {
  const m = compilePart('a.b*')
  t.ok(matchPart(m, 'a.b1'))
  t.notOk(matchPart(m, 'axb1'), '. is not a wildcard')
})

t.test('the literal prefix of a glob is kept for indexing', async (t) => {
  t.same((compilePart('team-*-net') as { prefix: string }).prefix, 'team-')
  t.same((compilePart('*-net') as { prefix: string }).prefix, '')
})

t.test('hasGlob', async (t) => {
  t.ok(hasGlob('a*'))
  t.notOk(hasGlob('a'))
})

t.test('namespace/name pairs match each part on its own', async (t) => {
  const m = compilePair('storage-*/san')
  t.equal(m.text, 'storage-*/san')
  t.ok(matchPair(m, 'storage-eu', 'san'))
  t.notOk(matchPair(m, 'storage-eu', 'san2'))
  t.notOk(matchPair(m, 'backup', 'san'))
  t.ok(matchPair(compilePair('*/*'), 'x', 'y'))
})
