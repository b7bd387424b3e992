import t from 'tap'
import fastJsonPatch from 'fast-json-patch'
import { applyPatch } from '../../src/admission/apply-patch.js'
import type { PatchOp } from '../../src/admission/review.js'

const doc = {
  metadata: { annotations: { a: '1' } },
  spec: { containers: [{ name: 'c', resources: {} }], volumes: [{ name: 'v' }] },
}

const cases: [string, PatchOp[]][] = [
  [
    'add to map with escaped key',
    [{ op: 'add', path: '/metadata/annotations/k8s.v1.cni.cncf.io~1networks', value: 'x' }],
  ],
  [
    'add nested parent then child',
    [
      { op: 'add', path: '/spec/containers/0/resources/requests', value: {} },
      { op: 'add', path: '/spec/containers/0/resources/requests/intel.com~1sriov', value: '2' },
    ],
  ],
  ['append to array', [{ op: 'add', path: '/spec/volumes/-', value: { name: 'w' } }]],
  ['insert into array', [{ op: 'add', path: '/spec/volumes/0', value: { name: 'first' } }]],
  [
    'replace and remove',
    [
      { op: 'replace', path: '/metadata/annotations/a', value: '2' },
      { op: 'remove', path: '/spec/volumes/0' },
    ],
  ],
  ['tilde escape', [{ op: 'add', path: '/metadata/annotations/a~0b', value: 't' }]],
  ['remove a key', [{ op: 'remove', path: '/metadata/annotations/a' }]],
  ['replace array element', [{ op: 'replace', path: '/spec/volumes/0', value: { name: 'r' } }]],
]

for (const [name, ops] of cases) {
  t.test(`agrees with fast-json-patch: ${name}`, async (t) => {
    const ours = applyPatch(doc, ops)
    const theirs = fastJsonPatch.applyPatch(
      structuredClone(doc),
      structuredClone(ops) as fastJsonPatch.Operation[],
    ).newDocument
    t.same(ours, theirs)
  })
}

t.test('the input is not modified', async (t) => {
  const before = structuredClone(doc)
  applyPatch(doc, [{ op: 'add', path: '/spec/x', value: 1 }])
  t.same(doc, before)
})

t.test('root operations and tests', async (t) => {
  t.same(applyPatch(doc, [{ op: 'replace', path: '', value: { a: 1 } }]), { a: 1 })
  t.equal(applyPatch(doc, [{ op: 'remove', path: '' }]), undefined)
  t.same(applyPatch(doc, [{ op: 'test', path: '', value: doc }]), doc)
  t.same(applyPatch(doc, [{ op: 'test', path: '/spec', value: 1 }]), doc)
})

t.test('a missing parent is an error naming the path', async (t) => {
  t.throws(
    () => applyPatch(doc, [{ op: 'add', path: '/nope/deeper/x', value: 1 }]),
    /patch path \/nope\/deeper\/x: parent does not exist/,
  )
})
