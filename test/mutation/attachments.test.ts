import t from 'tap'
import { attachmentsOf, tenantAdditions } from '../../src/mutation/attachments.js'
import { nad } from '../fixtures/mutation/pods.js'

const sel = (namespace: string, name: string, iface?: string) => ({
  namespace,
  name,
  ...(iface ? { interface: iface } : {}),
})

t.test('tenant additions skip selected networks, the default network and repeats', async (t) => {
  const added = tenantAdditions([sel('ns1', 'a')], sel('ns1', 'def'), [
    sel('ns1', 'a', 'x'),
    sel('ns1', 'def'),
    sel('t', 'b'),
    sel('t', 'b', 'y'),
    sel('t', 'c', 'z'),
  ])
  t.same(added, [sel('t', 'b'), sel('t', 'c', 'z')])
  t.same(tenantAdditions([], undefined, []), [])
})

t.test('attachments: default network first, then selections, then tenant additions', async (t) => {
  const known = nad('ns1/a')
  const list = attachmentsOf(
    [sel('ns1', 'a'), sel('ns1', 'a')],
    sel('ns1', 'def'),
    [sel('t', 'b')],
    (ns, n) => (ns === 'ns1' && n === 'a' ? known : undefined),
  )
  t.same(
    list.map((a) => [a.origin, `${a.namespace}/${a.name}`, a.nad === known]),
    [
      ['default-network', 'ns1/def', false],
      ['networks[0]', 'ns1/a', true],
      ['networks[1]', 'ns1/a', true],
      ['tenantNetworks[0]', 't/b', false],
    ],
  )
})
