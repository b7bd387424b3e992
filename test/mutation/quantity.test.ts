import t from 'tap'
import { formatQuantity, parseWholeQuantity } from '../../src/mutation/quantity.js'

t.test('whole quantities in every notation Kubernetes accepts', async (t) => {
  const cases: [unknown, number][] = [
    ['0', 0],
    ['2', 2],
    ['+3', 3],
    [4, 4],
    ['1k', 1000],
    ['2M', 2_000_000],
    ['1Ki', 1024],
    ['1Gi', 1024 ** 3],
    ['1.5k', 1500],
    ['1.', 1],
    ['2e3', 2000],
    ['2E1', 20],
    ['1000m', 1],
    ['5000000u', 5],
    ['3000000000n', 3],
    ['20e-1', 2],
    ['1.1k', 1100],
    ['0.5Ki', 512],
    ['1P', 1e15],
    ['3T', 3e12],
  ]
  for (const [input, want] of cases) t.equal(parseWholeQuantity(input), want, String(input))
})

t.test('anything that is not a whole, non-negative, safe quantity is undefined', async (t) => {
  const bad: unknown[] = [
    '1.5',
    '500m',
    '-1',
    -1,
    1.5,
    'abc',
    '',
    ' 1',
    '1 ',
    '1e',
    '1Xi',
    '1e41',
    '1e-41',
    '9999999999999999999',
    '10E',
    Number.MAX_SAFE_INTEGER + 2,
    null,
    undefined,
    {},
    ['1'],
    true,
  ]
  for (const input of bad) t.equal(parseWholeQuantity(input), undefined, JSON.stringify(input))
})

t.test('counts are written as DecimalSI strings', async (t) => {
  t.equal(formatQuantity(2), '2')
  t.equal(parseWholeQuantity(formatQuantity(12345)), 12345)
})
