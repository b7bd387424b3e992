import t from 'tap'
import {
  displayPath,
  escapeSegment,
  pointer,
  unescapeSegment,
} from '../../src/mutation/json-pointer.js'

t.test('RFC 6901: ~ is escaped before /, so a ~1 in a key survives', async (t) => {
  t.equal(escapeSegment('k8s.v1.cni.cncf.io/networks'), 'k8s.v1.cni.cncf.io~1networks')
  t.equal(escapeSegment('a~b'), 'a~0b')
  t.equal(escapeSegment('~1'), '~01')
  t.equal(escapeSegment('a/~/b'), 'a~1~0~1b')
  t.equal(escapeSegment(3), '3')
})

t.test('unescape is the inverse of escape', async (t) => {
  for (const s of ['', 'plain', 'a/b', 'a~b', '~1', '~0', '/~', '~~//']) {
    t.equal(unescapeSegment(escapeSegment(s)), s, JSON.stringify(s))
  }
})

t.test('pointer joins escaped segments; the root is the empty string', async (t) => {
  t.equal(pointer([]), '')
  t.equal(
    pointer(['spec', 'containers', 0, 'resources', 'requests', 'intel.com/sriov']),
    '/spec/containers/0/resources/requests/intel.com~1sriov',
  )
  t.equal(pointer(['']), '/')
})

t.test('displayPath reads like the fields users write', async (t) => {
  t.equal(displayPath(['spec', 'containers', 1, 'volumeMounts']), 'spec.containers[1].volumeMounts')
  t.equal(
    displayPath(['spec', 'nodeSelector', 'kubernetes.io/hostname']),
    'spec.nodeSelector["kubernetes.io/hostname"]',
  )
  t.equal(displayPath([]), '')
  t.equal(displayPath(['a-b']), '["a-b"]')
})
