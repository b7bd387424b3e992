import t from 'tap'
import { DEFAULT_ADMISSION_OPTIONS } from '../../src/admission/options.js'
import { compactNad, manifestNad, NadInterner, storedNad } from '../../src/cluster/nad-info.js'

const options = {
  ...DEFAULT_ADMISSION_OPTIONS,
  mutation: { ...DEFAULT_ADMISSION_OPTIONS.mutation, resourceNameKeys: ['example.com/device'] },
}
const nad = (config: string, annotations: Record<string, string> = {}) => ({
  apiVersion: 'k8s.cni.cncf.io/v1',
  kind: 'NetworkAttachmentDefinition',
  metadata: { name: 'n', namespace: 'team-a', annotations },
  spec: { config },
})

t.test('a valid NAD from a file, slimmed', async (t) => {
  const slim = manifestNad(
    nad('{"type":"bridge"}', {
      'example.com/device': 'example.com/nic',
      'kubectl.kubernetes.io/last-applied-configuration': '{}',
      'multinet.io/physical-network': 'phys1',
    }),
    options,
  )
  t.same(slim, {
    ok: true,
    nad: {
      namespace: 'team-a',
      name: 'n',
      labels: {},
      annotations: {
        'example.com/device': 'example.com/nic',
        'multinet.io/physical-network': 'phys1',
      },
      cniTypes: ['bridge'],
    },
  })
})

t.test('an invalid NAD from a file is refused with every error', async (t) => {
  const slim = manifestNad(nad('{"type": 1}', { 'example.com/device': 'nope' }), options)
  t.equal(slim.ok, false)
  t.match(!slim.ok && slim.problems, [
    /\[nad\.config-schema\]$/,
    /^metadata\.annotations\["example\.com\/device"\].*\[nad\.resource-name\]$/,
  ])
  t.same(manifestNad({ kind: 'NetworkAttachmentDefinition' }, options).ok, false)
})

t.test('a stored NAD is kept whatever it holds', async (t) => {
  const stored = storedNad(nad('{"plugins": "x"}'), options)
  t.equal(stored.nad?.name, 'n')
  t.match(stored.problems, [/\[nad\.config-schema\]$/])
  t.same(storedNad(nad('{"type":"macvlan"}'), options).problems, [])
  t.same(storedNad({ metadata: {} }, options), {
    nad: undefined,
    problems: ['metadata.name is missing'],
  })
})

t.test('cached NADs share what they repeat and equal what toNadInfo built', async (t) => {
  const a = storedNad(nad('{"plugins":[{"type":"bridge"},{"type":"tuning"}]}'), options).nad
  const b = manifestNad(nad('{"plugins":[{"type":"bridge"},{"type":"tuning"}]}'), options)
  t.same(a, {
    namespace: 'team-a',
    name: 'n',
    labels: {},
    annotations: {},
    cniTypes: ['bridge', 'tuning'],
  })
  t.ok(b.ok)
  const other = b.ok ? b.nad : undefined
  t.equal(a?.cniTypes, other?.cniTypes, 'one list for equal CNI type lists')
  t.equal(a?.labels, other?.annotations, 'one frozen empty map')
  t.ok(Object.isFrozen(a?.labels) && Object.isFrozen(a?.cniTypes), 'shared parts are frozen')
  const labelled = storedNad(
    { ...nad('{"type":"bridge"}'), metadata: { name: 'l', namespace: 'x', labels: { a: 'b' } } },
    options,
  ).nad
  t.same(labelled?.labels, { a: 'b' })
  t.notOk(Object.isFrozen(labelled?.labels), 'a map with entries is its own')
  t.same(storedNad(nad(''), options).nad?.cniTypes, [], 'config on disk: no types')
})

t.test('compactNad keeps every value; NadInterner stops sharing past its bound', async (t) => {
  const interner = new NadInterner(2)
  const info = {
    namespace: 'team-a',
    name: 'n',
    labels: { l: 'v' },
    annotations: { 'multinet.io/physical-network': 'phys1' },
    cniTypes: ['macvlan'],
  }
  t.same(compactNad(info, interner), info)
  t.equal(interner.string('team-a'), interner.string('team-a'))
  t.equal(interner.list(['macvlan']), interner.list(['macvlan']))
  t.not(interner.list(['a', 'b']), interner.list(['a,b']), 'lists are keyed exactly')
  // Bound reached (2 lists known): new values are copied, not kept.
  const first = interner.list(['sriov'])
  t.same(first, ['sriov'])
  t.not(first, interner.list(['sriov']))
  t.equal(interner.list([]), interner.list([]))
})
