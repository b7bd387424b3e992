import t from 'tap'
import { formatPath, problem } from '../../src/policy/path.js'

t.test('paths read like the YAML they point into', async (t) => {
  t.equal(formatPath([]), '')
  t.equal(formatPath(['rules', 2, 'from', 'namespaces']), 'rules[2].from.namespaces')
  t.equal(
    formatPath(['rules', 0, 'networks', 'selector', 'matchLabels', 'app.kubernetes.io/name']),
    'rules[0].networks.selector.matchLabels["app.kubernetes.io/name"]',
  )
  t.equal(formatPath(['-odd']), '["-odd"]')
  t.equal(formatPath([0, 'x']), '[0].x')
})

t.test('problems default to errors', async (t) => {
  t.same(problem(['a'], 'm'), { path: ['a'], message: 'm', severity: 'error' })
  t.equal(problem(['a'], 'm', 'warning').severity, 'warning')
})
