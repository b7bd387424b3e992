import t from 'tap'
import jsonpatch from 'fast-json-patch'
import { deepEqual, diff, Overlay } from '../../src/mutation/overlay.js'

const applied = (doc: unknown, o: Overlay): unknown =>
  jsonpatch.applyPatch(jsonpatch.deepClone(doc), diff(doc, o).ops as jsonpatch.Operation[], true)
    .newDocument

t.test('an absent parent is created once, with all its children, keys sorted', async (t) => {
  const o = new Overlay()
  o.set(['spec', 'nodeSelector', 'z'], '1')
  o.set(['spec', 'nodeSelector', 'a/b'], '2')
  const d = diff({ spec: {} }, o)
  t.same(d.ops, [{ op: 'add', path: '/spec/nodeSelector', value: { 'a/b': '2', z: '1' } }])
  t.same(Object.keys(d.ops[0]?.value as object), ['a/b', 'z'])
  t.same(d.problems, [])
})

t.test('an existing parent gets one add per missing key and replace per changed key', async (t) => {
  const o = new Overlay()
  o.set(['m', 'b'], 'new')
  o.set(['m', 'a~x'], 'v')
  o.set(['m', 'same'], { deep: [1] })
  const doc = { m: { b: 'old', same: { deep: [1] } } }
  t.same(diff(doc, o).ops, [
    { op: 'add', path: '/m/a~0x', value: 'v' },
    { op: 'replace', path: '/m/b', value: 'new' },
  ])
  t.same(applied(doc, o), { m: { b: 'new', 'a~x': 'v', same: { deep: [1] } } })
})

t.test('a JSON null parent is replaced by add; a null leaf is replaced', async (t) => {
  const o = new Overlay()
  o.set(['a', 'x'], 1)
  o.set(['b'], 2)
  const doc = { a: null, b: null }
  t.same(diff(doc, o).ops, [
    { op: 'add', path: '/a', value: { x: 1 } },
    { op: 'replace', path: '/b', value: 2 },
  ])
  t.same(applied(doc, o), { a: { x: 1 }, b: 2 })
})

t.test('remove only what is there; a subtree of removals creates nothing', async (t) => {
  const o = new Overlay()
  o.remove(['m', 'gone'])
  o.remove(['m', 'never'])
  o.remove(['absent', 'x'])
  t.same(diff({ m: { gone: 1 } }, o).ops, [{ op: 'remove', path: '/m/gone' }])
})

t.test('append creates a missing list, or adds at its end', async (t) => {
  const o = new Overlay()
  o.append(['list'], [1])
  o.append(['list'], [2, 3])
  t.same(diff({}, o).ops, [{ op: 'add', path: '/list', value: [1, 2, 3] }])
  t.same(diff({ list: null }, o).ops, [{ op: 'add', path: '/list', value: [1, 2, 3] }])
  t.same(applied({ list: [0] }, o), { list: [0, 1, 2, 3] })
  t.same(diff({ list: [0] }, o).ops[0], { op: 'add', path: '/list/-', value: 1 })
})

t.test('list elements are addressed by index, in numeric order', async (t) => {
  const o = new Overlay()
  for (const i of [10, 2, 0]) o.set(['l', i, 'v'], i)
  const doc = { l: Array.from({ length: 11 }, () => ({})) }
  t.same(
    diff(doc, o).ops.map((op) => op.path),
    ['/l/0/v', '/l/2/v', '/l/10/v'],
  )
})

t.test('shape problems instead of exceptions', async (t) => {
  const o = new Overlay()
  o.set(['a', 'x'], 1)
  o.append(['b'], [1])
  o.set(['c', 5, 'x'], 1)
  o.set(['c', 'name', 'x'], 1)
  o.set(['d', 0, 'x'], 1)
  const d = diff({ a: 'text', b: {}, c: [{}], d: ['str'] }, o)
  t.same(d.ops, [])
  t.same(d.problems, [
    { path: ['a'], found: 'text', expected: 'an object' },
    { path: ['b'], found: {}, expected: 'a list' },
    { path: ['c', '5'], found: undefined, expected: 'an object' },
    { path: ['c', 'name'], found: undefined, expected: 'an object' },
    { path: ['d', 0], found: 'str', expected: 'an object' },
  ])
})

t.test('a later set under a leaf replaces the leaf with a subtree', async (t) => {
  const o = new Overlay()
  o.set(['a'], 1)
  o.set(['a', 'b'], 2)
  o.remove(['c'])
  o.append(['c'], [1])
  t.same(diff({}, o).ops, [
    { op: 'add', path: '/a', value: { b: 2 } },
    { op: 'add', path: '/c', value: [1] },
  ])
})

t.test('an empty overlay yields no ops', async (t) => {
  t.same(diff({ a: 1 }, new Overlay()), { ops: [], problems: [] })
  t.same(diff(undefined, new Overlay()), { ops: [], problems: [] })
})

t.test('deepEqual compares JSON values structurally', async (t) => {
  t.ok(deepEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }))
  t.notOk(deepEqual({ a: 1 }, { a: 1, b: 2 }))
  t.notOk(deepEqual({ a: 1, c: 3 }, { a: 1, b: 2 }))
  t.notOk(deepEqual([1], [1, 2]))
  t.notOk(deepEqual([1], { 0: 1 }))
  t.notOk(deepEqual('1', 1))
})
