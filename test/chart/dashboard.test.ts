/**
 * The PromQL subset that renders docs/dashboard.svg (test/fixtures/chart/dashboard): its
 * answers on hand-made scrapes are the ones Prometheus gives, and every query of the chart's
 * dashboard parses, so the picture shows what the dashboard's own queries compute.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import {
  evaluate,
  parse,
  parseExposition,
  type Scrape,
} from '../fixtures/chart/dashboard/promql.js'
import { formatValue, renderDashboard, type Dashboard } from '../fixtures/chart/dashboard/svg.js'

const scrapes: Scrape[] = [0, 10, 20].map((t, i) => ({
  t: 1000 + t,
  samples: parseExposition(
    [
      '# HELP requests_total x',
      `requests_total{decision="allow",endpoint="/validate"} ${10 * i}`,
      `requests_total{decision="deny",endpoint="/validate"} ${5 * i}`,
      `requests_total{decision="allow",endpoint="/mutate"} ${2 * i}`,
      `latency_bucket{le="0.1"} ${50 * i}`,
      `latency_bucket{le="0.5"} ${90 * i}`,
      `latency_bucket{le="+Inf"} ${100 * i}`,
      `expiry{pod="a"} 5000`,
      `expiry{pod="b"} 4000`,
      'quoted{msg="a \\"b\\""} 1',
    ].join('\n'),
  ),
}))
const at = (expr: string, i = 2) =>
  evaluate(parse(expr, 20), scrapes, i).map((s) => [s.labels, Number(s.value.toFixed(6))])

t.test('exposition text', async (t) => {
  t.same(scrapes[0]?.samples.at(-1), { name: 'quoted', labels: { msg: 'a "b"' }, value: 1 })
  t.throws(() => parseExposition('not a metric line {'), /unreadable metrics line/)
})

t.test('rate, increase and aggregation', async (t) => {
  t.same(at('sum by (decision) (rate(requests_total{namespace="$namespace"}[$__rate_interval]))'), [
    [{ decision: 'allow' }, 1.2],
    [{ decision: 'deny' }, 0.5],
  ])
  t.same(at('sum(increase(requests_total[10s]))'), [[{}, 17]])
  t.same(at('sum(rate(requests_total[$__rate_interval]))', 0), [], 'one scrape: no rate yet')
  t.same(at('sum(rate(requests_total{endpoint="/mutate"}[20s]))'), [[{}, 0.2]])
  t.same(at('max(expiry)'), [[{}, 5000]])
  t.same(at('min(expiry) - time()'), [[{}, 4000 - 1020]])
  t.same(at('max by (pod) (expiry)'), [
    [{ pod: 'a' }, 5000],
    [{ pod: 'b' }, 4000],
  ])
})

t.test('histogram_quantile interpolates inside the bucket, as Prometheus does', async (t) => {
  // 200 observations in the window: 100 <= 0.1, 80 in (0.1, 0.5], 20 above.
  t.same(at('histogram_quantile(0.5, sum by (le) (rate(latency_bucket[20s])))'), [[{}, 0.1]])
  t.same(at('histogram_quantile(0.7, sum by (le) (rate(latency_bucket[20s])))'), [[{}, 0.3]])
  t.same(at('histogram_quantile(0.99, sum by (le) (rate(latency_bucket[20s])))'), [[{}, 0.5]])
})

t.test('what it does not know is an error, not a guess', async (t) => {
  t.throws(() => parse('avg(requests_total)', 20), /unsupported token \(|expected/)
  t.throws(() => parse('rate(requests_total[5d])', 20), /unsupported range/)
  t.throws(() => evaluate(parse('expiry - expiry', 20), scrapes, 0), /vector - scalar/)
})

t.test("every query of the chart's dashboard parses and renders", async (t) => {
  const dash = JSON.parse(
    readFileSync(new URL('../../charts/multinet/files/dashboard.json', import.meta.url), 'utf8'),
  ) as Dashboard
  for (const p of dash.panels) {
    for (const target of p.targets ?? []) t.doesNotThrow(() => parse(target.expr, 20), p.title)
  }
  const svg = renderDashboard(dash, scrapes, ['caption <one>'])
  t.match(svg, /^<svg /)
  t.match(svg, /caption &lt;one&gt;/)
  t.equal((svg.match(/class="title/g) ?? []).length, 12, 'one title per panel')
  t.equal(formatValue(1209600, 's'), '14 days')
  t.equal(formatValue(0.0042, 's'), '4.2 ms')
  t.equal(formatValue(3.5, 'reqps'), '3.5 req/s')
})
