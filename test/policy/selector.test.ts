import t from 'tap'
import type { LabelSelector } from '../../src/policy/document.js'
import { checkSelector, compileSelector, requiredPairs } from '../../src/policy/selector.js'

const at = ['rules', 0, 'networks', 'selector']

t.test('matchLabels requires each pair', async (t) => {
  const m = compileSelector({ matchLabels: { a: '1', b: '2' } })
  t.ok(m({ a: '1', b: '2', c: '3' }))
  t.notOk(m({ a: '1' }))
  t.notOk(m({ a: '1', b: '3' }))
})

t.test('the empty selector matches everything, as in Kubernetes', async (t) => {
  t.ok(compileSelector({})({}))
  t.ok(compileSelector({ matchLabels: {}, matchExpressions: [] })({ x: 'y' }))
})

t.test('matchExpressions operators', async (t) => {
  const sel = (s: LabelSelector): ((l: Record<string, string>) => boolean) => compileSelector(s)
  const inSel = sel({
    matchExpressions: [{ key: 'app', operator: 'In', values: ['upf', 'router'] }],
  })
  t.ok(inSel({ app: 'upf' }))
  t.notOk(inSel({ app: 'web' }))
  t.notOk(inSel({}))
  const notIn = sel({ matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['finance'] }] })
  t.ok(notIn({ team: 'research' }))
  t.ok(notIn({}), 'a missing key satisfies NotIn')
  t.notOk(notIn({ team: 'finance' }))
  const exists = sel({ matchExpressions: [{ key: 'team', operator: 'Exists' }] })
  t.ok(exists({ team: '' }))
  t.notOk(exists({}))
  const absent = sel({ matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] })
  t.ok(absent({}))
  t.notOk(absent({ team: 'x' }))
})

t.test('only own labels count: `constructor` is not on every object', async (t) => {
  t.notOk(compileSelector({ matchExpressions: [{ key: 'constructor', operator: 'Exists' }] })({}))
  t.notOk(compileSelector({ matchLabels: { toString: 'x' } })({}))
})

t.test('valid selectors have no problems', async (t) => {
  t.same(
    checkSelector(
      {
        matchLabels: { 'multinet.io/plane': 'data', empty: '' },
        matchExpressions: [
          { key: 'a', operator: 'In', values: ['x'] },
          { key: 'b', operator: 'Exists' },
          { key: 'c', operator: 'DoesNotExist', values: [] },
        ],
      },
      at,
    ),
    [],
  )
})

t.test('bad keys, values and operator/value combinations are located', async (t) => {
  const problems = checkSelector(
    {
      matchLabels: { 'Bad/key': 'ok', good: '-bad-value', number: 5 },
      matchExpressions: [
        { key: 'x', operator: 'In' },
        { key: 'y', operator: 'NotIn', values: [] },
        { key: 'z', operator: 'Exists', values: ['v'] },
        { key: '_k', operator: 'In', values: ['ok', 'not ok', 7] },
        'not a map',
      ],
    },
    at,
  )
  t.same(
    problems.map((p) => [p.path.slice(4).join('.'), p.message.slice(0, 26)]),
    [
      ['matchLabels.Bad/key', 'label key prefix must be a'],
      ['matchLabels.good', 'label value must be empty '],
      ['matchExpressions.0.values', 'must list at least one val'],
      ['matchExpressions.1.values', 'must list at least one val'],
      ['matchExpressions.2.values', 'must be empty for operator'],
      ['matchExpressions.3.key', 'label key name part must c'],
      ['matchExpressions.3.values.1', 'label value must be empty '],
    ],
  )
})

t.test('shapes the schema refuses are not reported twice', async (t) => {
  t.same(checkSelector('x', at), [])
  t.same(checkSelector({ matchLabels: [], matchExpressions: {} }, at), [])
})

t.test('requiredPairs: a label value every match must carry', async (t) => {
  t.same(requiredPairs({ matchLabels: { b: '2', a: '1' } }), { key: 'a', values: ['1'] })
  t.same(
    requiredPairs({ matchExpressions: [{ key: 'app', operator: 'In', values: ['x', 'y', 'x'] }] }),
    { key: 'app', values: ['x', 'y'] },
  )
  t.equal(requiredPairs({ matchExpressions: [{ key: 'a', operator: 'Exists' }] }), undefined)
  t.equal(requiredPairs({}), undefined)
})
