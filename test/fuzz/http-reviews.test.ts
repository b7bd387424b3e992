/**
 * Fuzzing the whole HTTP path with AdmissionReviews (issue 11, "Prove it"): the real app over
 * the example cluster, fed reviews of every kind with values replaced by arbitrary and hostile
 * ones, and large hostile bodies up to 4 MiB. No 5xx, every answer keeps the contract (see
 * fixtures/http.ts), no log line over 16 KiB, and no request holds the event loop over 100 ms
 * (per request, and as perf_hooks.monitorEventLoopDelay sees it).
 */
import fc from 'fast-check'
import t from 'tap'
import { BLOCK_BOUND_MS, LoopDelay, SEEDS } from './fixtures/bound.js'
import {
  BODY_LIMIT,
  LoopWindow,
  harness,
  send as sendTo,
  type FuzzRequest,
} from './fixtures/http.js'
import { largeBodies, mutatedReview } from './fixtures/reviews.js'

export const RUNS = 20_000
const LARGE_REPEATS = 3

const h = await harness()
t.teardown(() => h.close())
const loop = new LoopDelay()
t.teardown(() => loop.stop())

const send = (req: FuzzRequest): ReturnType<typeof sendTo> => sendTo(h, req)

const post = (body: string, url = '/validate'): FuzzRequest => ({
  method: 'POST',
  url,
  headers: { 'content-type': 'application/json' },
  body,
})

t.test('mutated reviews on both endpoints keep the contract', async (t) => {
  const window = new LoopWindow(loop, send)
  let slowest = 0
  await fc.assert(
    fc.asyncProperty(mutatedReview, fc.constantFrom('/validate', '/mutate'), async (body, url) => {
      const req = post(body, url)
      const { ms, problem } = await send(req)
      if (problem !== undefined) throw new Error(problem)
      slowest = Math.max(slowest, ms)
      await window.add(req, ms)
      return ms <= BLOCK_BOUND_MS
    }),
    { seed: SEEDS.httpReviews, numRuns: RUNS },
  )
  await window.flush()
  t.ok(slowest <= BLOCK_BOUND_MS, `${RUNS} requests; slowest ${slowest.toFixed(1)} ms`)
  t.same(window.culprits, [], 'no request behind an event-loop delay over 100 ms')
  t.comment(window.summary())
  t.ok(h.longestLogLine() <= 16 * 1024, `longest log line ${h.longestLogLine()} bytes`)
})

t.test('large hostile bodies (up to 4 MiB) are answered in bounds', async (t) => {
  for (const [name, body] of Object.entries(largeBodies())) {
    t.ok(Buffer.byteLength(body) <= BODY_LIMIT, `${name}: ${Buffer.byteLength(body)} bytes`)
    for (const url of ['/validate', '/mutate']) {
      for (let i = 0; i < LARGE_REPEATS; i++) {
        loop.take()
        const { ms, problem } = await send(post(body, url))
        t.equal(problem, undefined, `${name} ${url}`)
        t.ok(ms <= BLOCK_BOUND_MS, `${name} ${url}: ${ms.toFixed(1)} ms`)
      }
    }
  }
  t.ok(h.longestLogLine() <= 16 * 1024, `longest log line ${h.longestLogLine()} bytes`)
})
