import t from 'tap'
import { LineCounter, parseDocument } from 'yaml'
import { lineOf } from '../../src/policy/yaml-lines.js'

const TEXT = `apiVersion: x
rules:
  - name: a
    from:
      namespaces:
        names: [x, y]
  - &second
    name: b
  - *second
`

const lines = new LineCounter()
const doc = parseDocument(TEXT, { lineCounter: lines })
const at = (...path: (string | number)[]): number => lineOf(path, doc, lines)

t.test('the line of a key, a list item, or a flow item', async (t) => {
  t.equal(at('apiVersion'), 1)
  t.equal(at('rules'), 2)
  t.equal(at('rules', 0), 3)
  t.equal(at('rules', 0, 'from'), 4)
  t.equal(at('rules', 0, 'from', 'namespaces', 'names', 1), 6)
})

t.test('a path that does not exist points at its nearest ancestor', async (t) => {
  t.equal(at('rules', 0, 'from', 'pods'), 4, 'a missing key: the map that lacks it')
  t.equal(at('rules', 1, 'missing'), 8, 'an anchored item starts after its anchor')
  t.equal(at('rules', 7, 'name'), 2, 'an index past the end')
  t.equal(at('rules', 2, 'name'), 9, 'through an alias: the alias')
  t.equal(at(), 1, 'the document itself: where it starts')
  t.equal(at('nothing'), 1, 'a missing top-level key: where the document starts')
})

t.test('a document that starts after comments, and an empty one', async (t) => {
  const counter = new LineCounter()
  const late = parseDocument('# comment\n\nmode: warn\n', { lineCounter: counter })
  t.equal(lineOf(['apiVersion'], late, counter), 3)
  const none = new LineCounter()
  t.equal(lineOf(['apiVersion'], parseDocument('', { lineCounter: none }), none), 1)
})
