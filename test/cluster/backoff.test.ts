import t from 'tap'
import { backoffDelay, DEFAULT_BACKOFF } from '../../src/cluster/backoff.js'

t.test('doubles from the initial delay up to the cap', async (t) => {
  const top = () => 1 // random() at its top: the full base delay
  const delays = [0, 1, 2, 3, 4, 5, 6, 7].map((a) => backoffDelay(a, DEFAULT_BACKOFF, top))
  t.same(delays, [200, 400, 800, 1600, 3200, 6400, 10_000, 10_000])
})

t.test('jitter spreads each delay over [base/2, base]', async (t) => {
  t.equal(
    backoffDelay(3, DEFAULT_BACKOFF, () => 0),
    800,
  )
  t.equal(
    backoffDelay(3, DEFAULT_BACKOFF, () => 0.5),
    1200,
  )
  for (let i = 0; i < 200; i++) {
    const d = backoffDelay(2)
    t.ok(d >= 400 && d <= 800, `${d} within [400, 800]`)
  }
})

t.test('odd inputs stay finite and non-negative', async (t) => {
  t.equal(
    backoffDelay(-3, DEFAULT_BACKOFF, () => 1),
    200,
    'negative attempt = first retry',
  )
  t.equal(
    backoffDelay(1e9, DEFAULT_BACKOFF, () => 1),
    10_000,
    'huge attempt = the cap',
  )
  const noJitter = { ...DEFAULT_BACKOFF, jitter: 7 }
  t.equal(
    backoffDelay(0, noJitter, () => 0),
    0,
    'jitter above 1 is clamped to 1',
  )
  t.equal(
    backoffDelay(0, { ...DEFAULT_BACKOFF, jitter: -1 }, () => 0),
    200,
    'below 0 -> 0',
  )
})
