import t from 'tap'
import { documentLine, rememberLines, withLine } from '../../src/policy/lines.js'
import { documentOf } from '../fixtures/policy/helpers.js'

t.test('a parsed document remembers the lines of its text', async (t) => {
  const doc = documentOf(
    'apiVersion: multinet.io/v1alpha1\n\nrules:\n  - name: r\n    action: deny\n    networks: { names: [a/b] }\n    from: { serviceAccounts: [a/b] }\n',
  )
  t.equal(documentLine(doc, ['rules', 0, 'name']), 4)
  t.equal(withLine('clash', doc, 'rules[0]'), 'clash (line 4)')
  t.equal(withLine('clash', doc, 'odd'), 'clash', 'not a definition place: no line')
})

t.test('a document built in code has no lines', async (t) => {
  const doc = { apiVersion: 'multinet.io/v1alpha1' }
  t.equal(documentLine(doc, ['rules', 0]), undefined)
  t.equal(withLine('clash', doc, 'rules[0]'), 'clash')
  rememberLines(doc, (path) => path.length)
  t.equal(documentLine(doc, ['a', 'b']), 2)
})
