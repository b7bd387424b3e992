import t from 'tap'
import { compileNamespaceMatch, compileSubjectMatch } from '../../src/policy/subject-match.js'
import { subject } from '../fixtures/policy/helpers.js'

t.test('namespaces by name (globs) and labels: every field given must match', async (t) => {
  const byName = compileNamespaceMatch({ names: ['team-*', 'ops'] })
  t.ok(byName('team-a', {}))
  t.ok(byName('ops', {}))
  t.notOk(byName('dev', {}))
  const both = compileNamespaceMatch({
    names: ['team-*'],
    selector: { matchLabels: { env: 'prod' } },
  })
  t.ok(both('team-a', { env: 'prod' }))
  t.notOk(both('team-a', { env: 'dev' }))
  t.notOk(both('ops', { env: 'prod' }))
  const byLabel = compileNamespaceMatch({ selector: { matchLabels: { env: 'prod' } } })
  t.ok(byLabel('anything', { env: 'prod' }))
})

t.test('a subject match names the first condition that fails', async (t) => {
  const m = compileSubjectMatch({
    namespaces: { names: ['nfv'] },
    pods: { selector: { matchLabels: { app: 'upf' } } },
    serviceAccounts: ['nfv/upf-*'],
  })
  t.equal(m(subject('nfv', { pod: { app: 'upf' }, sa: 'upf-1' })), undefined)
  t.equal(m(subject('web', { pod: { app: 'upf' }, sa: 'upf-1' })), 'namespace')
  t.equal(m(subject('nfv', { pod: { app: 'web' }, sa: 'upf-1' })), 'pod')
  t.equal(m(subject('nfv', { pod: { app: 'upf' } })), 'serviceAccount')
})

t.test('service accounts are matched as namespace/name', async (t) => {
  const m = compileSubjectMatch({ serviceAccounts: ['*/backup-agent'] })
  t.equal(m(subject('a', { sa: 'backup-agent' })), undefined)
  t.equal(m(subject('b', { sa: 'backup-agent' })), undefined)
  t.equal(m(subject('a', { sa: 'backup' })), 'serviceAccount')
})

t.test('namespace labels: unknown labels ({}) do not match a selector', async (t) => {
  const m = compileSubjectMatch({ namespaces: { selector: { matchLabels: { team: 'a' } } } })
  t.equal(m(subject('x')), 'namespace')
  t.equal(m(subject('x', { nsLabels: { team: 'a' } })), undefined)
})
