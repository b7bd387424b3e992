/**
 * Fuzzing the whole HTTP path with arbitrary requests (issue 11, "Prove it"): methods, paths,
 * content types, extra headers, and bodies that are arbitrary text, arbitrary JSON, or reviews
 * cut short, with keys doubled, NUL bytes, numbers as strings. No 5xx, every answer keeps the
 * contract (fixtures/http.ts), no log line over 16 KiB, no request over 100 ms.
 */
import fc from 'fast-check'
import t from 'tap'
import { BLOCK_BOUND_MS, LoopDelay, SEEDS } from './fixtures/bound.js'
import { LoopWindow, harness, send as sendTo, type FuzzRequest } from './fixtures/http.js'
import { brokenText, mutatedReview } from './fixtures/reviews.js'

export const RUNS = 20_000

const h = await harness()
t.teardown(() => h.close())
const loop = new LoopDelay()
t.teardown(() => loop.stop())

const send = (req: FuzzRequest): ReturnType<typeof sendTo> => sendTo(h, req)

const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/)
const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,100}$/)
const request: fc.Arbitrary<FuzzRequest> = fc.record({
  method: fc.oneof(
    { weight: 8, arbitrary: fc.constant('POST') },
    { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') },
  ),
  url: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('/validate', '/mutate') },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '/validate?timeout=10s',
        '/mutate/',
        '/VALIDATE',
        '//validate',
        '/validate/../mutate',
        `/${'a'.repeat(4000)}`,
        '/%00',
        '/metrics',
      ),
    },
    { weight: 1, arbitrary: fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)) },
  ),
  headers: fc
    .tuple(
      fc.oneof(
        { weight: 6, arbitrary: fc.constant('application/json') },
        {
          weight: 2,
          arbitrary: fc.constantFrom(
            'application/json; charset=utf-8',
            'APPLICATION/JSON',
            'application/json;charset=latin1',
            'text/plain',
            'application/x-www-form-urlencoded',
            'application/yaml',
            'multipart/form-data; boundary=x',
          ),
        },
        { weight: 1, arbitrary: headerValue },
      ),
      fc.dictionary(token, headerValue, { maxKeys: 5 }),
    )
    .map(([type, extra]) => {
      const headers: Record<string, string> = { ...extra }
      delete headers['content-length']
      delete headers['transfer-encoding']
      delete headers['content-encoding']
      headers['content-type'] = type
      return headers
    }),
  body: fc.oneof(
    { weight: 4, arbitrary: brokenText },
    { weight: 2, arbitrary: mutatedReview },
    { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.stringify(v)) },
  ),
})

t.test('arbitrary methods, paths, headers and bodies keep the contract', async (t) => {
  const window = new LoopWindow(loop, send)
  let slowest = 0
  await fc.assert(
    fc.asyncProperty(request, async (req) => {
      const { ms, problem } = await send(req)
      if (problem !== undefined) throw new Error(problem)
      slowest = Math.max(slowest, ms)
      await window.add(req, ms)
      return ms <= BLOCK_BOUND_MS
    }),
    { seed: SEEDS.http, numRuns: RUNS },
  )
  await window.flush()
  const metrics = await h.metrics.registry.metrics()
  for (const m of metrics.matchAll(/multinet_http_errors_total\{code="(\w+)"\} (\d+)/g)) {
    t.comment(`${m[1]}: ${m[2]}`)
  }
  t.notMatch(metrics, /MN_ERR_INTERNAL/, 'no internal error counted')
  t.ok(slowest <= BLOCK_BOUND_MS, `${RUNS} requests; slowest ${slowest.toFixed(1)} ms`)
  t.same(window.culprits, [], 'no request behind an event-loop delay over 100 ms')
  t.comment(window.summary())
  t.ok(h.longestLogLine() <= 16 * 1024, `longest log line ${h.longestLogLine()} bytes`)
})
