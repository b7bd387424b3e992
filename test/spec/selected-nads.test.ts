import t from 'tap'
import { selectedNads } from '../../src/spec/selected-nads.js'

const NETWORKS = 'k8s.v1.cni.cncf.io/networks'
const DEFAULT = 'v1.multus-cni.io/default-network'

t.test('both annotations, both forms, namespaces filled in, duplicates once', async (t) => {
  t.same(
    [...selectedNads({ [NETWORKS]: 'a, other/b@net5, a', [DEFAULT]: 'infra/cluster' }, 'app')],
    ['app/a', 'other/b', 'infra/cluster'],
  )
  t.same(
    [...selectedNads({ [NETWORKS]: '[{"name":"c","namespace":"x"},{"name":"d"}]' }, 'app')],
    ['x/c', 'app/d'],
  )
  t.same([...selectedNads({ [DEFAULT]: '[{"name":"e"}]' }, 'app')], ['app/e'])
})

t.test('no annotations, or annotations that do not parse, select nothing', async (t) => {
  t.equal(selectedNads({}, 'app').size, 0)
  t.equal(selectedNads({ other: 'a' }, 'app').size, 0)
  t.equal(selectedNads({ [NETWORKS]: 'a,,b', [DEFAULT]: 'x,y' }, 'app').size, 0)
})
