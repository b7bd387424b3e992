import t from 'tap'
import {
  containersOf,
  initContainerNames,
  isAbsent,
  isObject,
  member,
  podAnnotations,
  stringMap,
  typeName,
} from '../../src/mutation/pod-view.js'

t.test('isObject accepts plain objects only', async (t) => {
  t.ok(isObject({}))
  t.notOk(isObject([]))
  t.notOk(isObject(null))
  t.notOk(isObject('x'))
})

t.test('member reads own keys of objects and nothing else', async (t) => {
  t.equal(member({ a: 1 }, 'a'), 1)
  t.equal(member({ a: 1 }, 'b'), undefined)
  t.equal(member({}, 'toString'), undefined)
  t.equal(member(['x'], '0'), undefined)
  t.equal(member('str', 'length'), undefined)
  t.equal(member(undefined, 'a'), undefined)
})

t.test('isAbsent: undefined and null', async (t) => {
  t.ok(isAbsent(undefined))
  t.ok(isAbsent(null))
  t.notOk(isAbsent(0))
  t.notOk(isAbsent(''))
})

t.test('stringMap keeps string values only', async (t) => {
  t.same(stringMap({ a: 'x', b: 1, c: null, d: 'y' }), { a: 'x', d: 'y' })
  t.same(stringMap('nope'), {})
  t.same(stringMap(undefined), {})
})

t.test('typeName names JSON types for messages', async (t) => {
  t.equal(typeName(null), 'null')
  t.equal(typeName([]), 'a list')
  t.equal(typeName({}), 'an object')
  t.equal(typeName('x'), 'a string')
  t.equal(typeName(3), 'a number')
})

t.test('podAnnotations tolerates missing and odd metadata', async (t) => {
  t.same(podAnnotations({ metadata: { annotations: { a: 'b', n: 3 } } }), { a: 'b' })
  t.same(podAnnotations({ metadata: { annotations: 'x' } }), {})
  t.same(podAnnotations({}), {})
  t.same(podAnnotations(null), {})
})

t.test('containersOf lists containers with index and name, or undefined', async (t) => {
  const cs = containersOf({ spec: { containers: [{ name: 'a' }, 'junk', { name: 7 }] } })
  t.same(cs, [
    { index: 0, raw: { name: 'a' }, name: 'a' },
    { index: 1, raw: 'junk', name: undefined },
    { index: 2, raw: { name: 7 }, name: undefined },
  ])
  t.equal(containersOf({ spec: { containers: {} } }), undefined)
  t.equal(containersOf({ spec: {} }), undefined)
  t.equal(containersOf('pod'), undefined)
})

t.test('initContainerNames lists string names only', async (t) => {
  t.same(initContainerNames({ spec: { initContainers: [{ name: 'i' }, { name: 1 }, 'x'] } }), ['i'])
  t.same(initContainerNames({ spec: { initContainers: 'no' } }), [])
  t.same(initContainerNames({}), [])
})
