import fc from 'fast-check'
import t from 'tap'
import type { NetworkMatch } from '../../src/policy/document.js'
import { compileNetworkMatch, NetworkIndex } from '../../src/policy/network-index.js'
import { net } from '../fixtures/policy/helpers.js'

interface E {
  seq: number
  id: string
}

function indexOf(entries: [string, NetworkMatch][]): NetworkIndex<E> {
  const index = new NetworkIndex<E>()
  entries.forEach(([id, m], seq) => index.add({ seq, id }, m))
  return index
}

const ids = (index: NetworkIndex<E>, ref: string, labels: Record<string, string> = {}): string[] =>
  index.lookup(net(ref, labels)).map((e) => e.id)

t.test('compileNetworkMatch: names and selector must both match when both are given', async (t) => {
  const m = compileNetworkMatch({ names: ['nfv/*'], selector: { matchLabels: { plane: 'data' } } })
  t.ok(m(net('nfv/a', { plane: 'data' })))
  t.notOk(m(net('nfv/a')))
  t.notOk(m(net('other/a', { plane: 'data' })))
  t.ok(compileNetworkMatch({ names: ['a/b', 'c/d'] })(net('c/d')))
})

t.test('lookups find every kind of rule, in merge order, each once', async (t) => {
  const index = indexOf([
    ['exact', { names: ['storage/san'] }],
    ['ns-glob-name', { names: ['storage/s*'] }],
    ['prefix', { names: ['stor*/*'] }],
    ['anywhere', { names: ['*/san'] }],
    ['label', { selector: { matchLabels: { tier: 'gold' } } }],
    [
      'in',
      {
        selector: {
          matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold', 'silver'] }],
        },
      },
    ],
    ['exists', { selector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] } }],
    ['twice', { names: ['storage/san', 'storage/*', 'storage/s*'] }],
    ['other', { names: ['backup/san'] }],
  ])
  t.same(ids(index, 'storage/san', { tier: 'gold' }), [
    'exact',
    'ns-glob-name',
    'prefix',
    'anywhere',
    'label',
    'in',
    'exists',
    'twice',
  ])
  t.same(ids(index, 'storage/nas', { tier: 'silver' }), ['prefix', 'in', 'exists', 'twice'])
  t.same(ids(index, 'backup/san'), ['anywhere', 'other'])
  t.same(ids(index, 'st/x'), [], 'a shorter namespace than the prefix')
  t.same(ids(index, 'web/app', { tier: 'bronze' }), ['exists'])
})

t.test('a candidate from a bucket must still match fully', async (t) => {
  const index = indexOf([
    ['prefix-strict', { names: ['team-*-net/x'] }],
    ['label-and-more', { selector: { matchLabels: { a: '1', b: '2' } } }],
  ])
  t.same(ids(index, 'team-a/x'), [], 'filed under "team-" but the glob does not match')
  t.same(ids(index, 'team-a-net/x'), ['prefix-strict'])
  t.same(ids(index, 'n/x', { a: '1' }), [])
  t.same(ids(index, 'n/x', { a: '1', b: '2' }), ['label-and-more'])
})

t.test('an empty index finds nothing', async (t) => {
  t.same(ids(new NetworkIndex<E>(), 'a/b', { x: 'y' }), [])
})

t.test('property: a lookup finds exactly what trying every rule would find', async (t) => {
  const part = fc.constantFrom('a', 'ab', 'a*', '*', '*b', 'b', 'a*b')
  const match: fc.Arbitrary<NetworkMatch> = fc.oneof(
    fc.record({
      names: fc.array(
        fc.tuple(part, part).map(([ns, n]) => `${ns}/${n}`),
        { minLength: 1, maxLength: 3 },
      ),
    }),
    fc.record({
      selector: fc.oneof(
        fc.record({
          matchLabels: fc.dictionary(fc.constantFrom('k', 'l'), fc.constantFrom('1', '2'), {
            maxKeys: 2,
          }),
        }),
        fc.record({
          matchExpressions: fc.array(
            fc.record({
              key: fc.constantFrom('k', 'l'),
              operator: fc.constantFrom('In' as const, 'NotIn' as const),
              values: fc.subarray(['1', '2'], { minLength: 1 }),
            }),
            { maxLength: 2 },
          ),
        }),
      ),
    }),
  )
  const ref = fc.record({
    namespace: fc.constantFrom('a', 'ab', 'b', 'abb', 'ba'),
    name: fc.constantFrom('a', 'b', 'ab'),
    labels: fc.dictionary(fc.constantFrom('k', 'l'), fc.constantFrom('1', '2'), { maxKeys: 2 }),
  })
  fc.assert(
    fc.property(fc.array(match, { maxLength: 12 }), ref, (matches, r) => {
      const index = new NetworkIndex<E>()
      matches.forEach((m, seq) => index.add({ seq, id: String(seq) }, m))
      const expected = matches.flatMap((m, seq) => (compileNetworkMatch(m)(r) ? [String(seq)] : []))
      const found = index.lookup(r).map((e) => e.id)
      if (JSON.stringify(found) !== JSON.stringify(expected)) {
        throw new Error(`index ${JSON.stringify(found)} != scan ${JSON.stringify(expected)}`)
      }
    }),
    { numRuns: 500 },
  )
  t.pass('property held')
})

t.test('physical networks: filed by name, matched exactly, unknown matches none', async (t) => {
  const index = indexOf([
    ['data', { physicalNetworks: ['phy-data', 'phy-data2'] }],
    ['both', { names: ['nfv/*'], physicalNetworks: ['phy-data'] }],
    ['mgmt', { physicalNetworks: ['phy-mgmt'] }],
  ])
  const on = (ref: string, physicalNetwork?: string) =>
    index.lookup({ ...net(ref), ...(physicalNetwork ? { physicalNetwork } : {}) }).map((e) => e.id)
  t.same(on('nfv/a', 'phy-data'), ['data', 'both'])
  t.same(on('web/a', 'phy-data2'), ['data'])
  t.same(on('nfv/a', 'phy-mgmt'), ['mgmt'])
  t.same(on('nfv/a'), [], 'a NAD without a physical network')
  t.notOk(compileNetworkMatch({ physicalNetworks: ['phy-data'] })(net('nfv/a')))
})
