import t from 'tap'
import { mergeFolder, NAMESPACE_NAME_LABEL } from '../../src/cluster/folder-merge.js'
import type { ManifestContent } from '../../src/cluster/manifests.js'

const nad = (namespace: string, name: string, cniTypes: string[] = []) => ({
  namespace,
  name,
  labels: {},
  annotations: {},
  cniTypes,
})
const policy = (name: string, origin: string) => ({
  name,
  namespace: 'multinet-system',
  labels: {},
  data: {},
  origin,
})
const content = (c: Partial<ManifestContent>): ManifestContent => ({
  nads: [],
  namespaces: [],
  policyConfigMaps: [],
  ...c,
})

t.test('indexes NADs by namespace/name and namespaces by name', async (t) => {
  const index = mergeFolder([
    [
      'a.yaml',
      content({
        nads: [nad('team-a', 'br')],
        namespaces: [{ name: 'team-a', labels: { tier: 'gold' } }],
      }),
    ],
    [
      'b.yaml',
      content({ nads: [nad('team-b', 'mac')], policyConfigMaps: [policy('base', 'b.yaml')] }),
    ],
  ])
  t.same([...index.nads.keys()], ['team-a/br', 'team-b/mac'])
  t.same(index.namespaces.get('team-a'), { tier: 'gold', [NAMESPACE_NAME_LABEL]: 'team-a' })
  t.same(index.namespaces.get('team-b'), { [NAMESPACE_NAME_LABEL]: 'team-b' }, 'implied by its NAD')
  t.same(
    index.namespaces.get('multinet-system'),
    { [NAMESPACE_NAME_LABEL]: 'multinet-system' },
    'implied by its ConfigMap',
  )
  t.equal(index.namespaces.get('nowhere'), undefined)
  t.same(index.problems, [])
})

t.test('a second definition wins and is reported', async (t) => {
  const index = mergeFolder([
    [
      'a.yaml',
      content({
        nads: [nad('x', 'n', ['bridge'])],
        namespaces: [{ name: 'x', labels: { v: '1' } }],
        policyConfigMaps: [policy('p', 'a.yaml')],
      }),
    ],
    [
      'b.yaml',
      content({
        nads: [nad('x', 'n', ['macvlan'])],
        namespaces: [{ name: 'x', labels: { v: '2' } }],
        policyConfigMaps: [policy('p', 'b.yaml')],
      }),
    ],
  ])
  t.same(index.nads.get('x/n')?.cniTypes, ['macvlan'])
  t.equal(index.namespaces.get('x')?.v, '2')
  t.same(
    index.policyConfigMaps.map((p) => p.origin),
    ['b.yaml'],
  )
  t.same(index.problems, [
    'b.yaml: NetworkAttachmentDefinition x/n is defined again (first in a.yaml); the later one is used',
    'b.yaml: Namespace x is defined again (first in a.yaml); the later one is used',
    'b.yaml: ConfigMap multinet-system/p is defined again (first in a.yaml); the later one is used',
  ])
})
