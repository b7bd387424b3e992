import t from 'tap'
import { DEFAULT_ADMISSION_OPTIONS } from '../../src/admission/options.js'
import { manifestNad, storedNad } from '../../src/cluster/nad-info.js'

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
