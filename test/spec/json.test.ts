import t from 'tap'
import {
  MAX_JSON_DEPTH,
  isObject,
  jsonTypeOf,
  parseJson,
  pathKey,
  showValue,
} from '../../src/spec/json.js'

t.test('parseJson reports instead of throwing', async (t) => {
  t.same(parseJson('{"a":[1]}'), { ok: true, value: { a: [1] } })
  t.match(parseJson('{'), { ok: false, message: /^invalid JSON: / })
  t.match(parseJson(''), { ok: false })
})

t.test('nesting is bounded, and brackets inside strings do not count', async (t) => {
  const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`
  t.equal(parseJson(deep(MAX_JSON_DEPTH)).ok, true)
  t.match(parseJson(deep(MAX_JSON_DEPTH + 1)), { ok: false, message: /nested deeper than 64/ })
  t.match(parseJson(deep(200_000)), { ok: false }, 'far too deep to write back is refused early')
  const brackets = JSON.stringify({ s: '['.repeat(100), e: '\\"[[[' })
  t.same(parseJson(brackets), { ok: true, value: JSON.parse(brackets) })
})

t.test('jsonTypeOf names every kind of value', async (t) => {
  const cases: [unknown, string][] = [
    [undefined, 'nothing'],
    [null, 'null'],
    [[], 'a list'],
    ['', 'a string'],
    [0, 'a number'],
    [false, 'a boolean'],
    [{}, 'an object'],
    [1n, 'bigint'],
  ]
  for (const [value, word] of cases) t.equal(jsonTypeOf(value), word)
})

t.test('isObject and pathKey', async (t) => {
  t.equal(isObject({}), true)
  t.equal(isObject([]), false)
  t.equal(isObject(null), false)
  t.equal(pathKey('a', 'default-route'), 'a.default-route')
  t.equal(pathKey('a', 'k8s.v1.cni.cncf.io/x'), 'a["k8s.v1.cni.cncf.io/x"]')
  t.equal(pathKey('a', ''), 'a[""]')
  t.equal(pathKey('a', '0'), 'a["0"]')
})

t.test('showValue quotes values for messages and shortens long ones', async (t) => {
  t.equal(showValue('a'), '"a"')
  t.equal(showValue(undefined), 'undefined')
  const long = showValue('x'.repeat(200))
  t.equal(long.length, 80)
  t.ok(long.endsWith('...'))
})

t.test('nestingDepth agrees with the parsed value on any JSON (property)', async (t) => {
  const { default: fc } = await import('fast-check')
  const { nestingDepth } = await import('../../src/spec/json.js')
  const depth = (v: unknown): number =>
    v !== null && typeof v === 'object'
      ? 1 + Math.max(0, ...Object.values(v as object).map(depth))
      : 0
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 6 }), fc.string({ unit: 'binary' }), (v, s) => {
      const text = JSON.stringify([v, s, { [s]: [s] }])
      return nestingDepth(text) === depth(JSON.parse(text))
    }),
    { seed: 110_508, numRuns: 2_000 },
  )
  t.pass('2,000 values with arbitrary strings (quotes, backslashes, brackets) inside')
})

t.test('jsonShape jumps over long runs of filler without losing structure', async (t) => {
  const { jsonShape } = await import('../../src/spec/json.js')
  const pad = (n: number): string => ' '.repeat(n)
  // Runs shorter and longer than the per-character window, around and between brackets.
  const text = `[${pad(100)}[${pad(3)}[1${'2'.repeat(5000)}]${pad(40)}],${pad(17)}{"a":[${pad(16)}]}]`
  t.same(jsonShape(text), { depth: 3, containers: 5 })
  t.same(JSON.parse(text).length, 2, 'the text is JSON')
  t.same(jsonShape(`[${pad(1000)}`), { depth: 1, containers: 1 }, 'filler to the end')
  t.same(jsonShape(`${pad(1000)}"${pad(1000)}[[["${pad(50)}[]`), { depth: 1, containers: 1 })
  // A run ended by a closing bracket keeps the depth count right for what follows.
  t.same(jsonShape(`[[${pad(64)}]${pad(64)}[[${pad(64)}]]]`), { depth: 3, containers: 4 })
})
