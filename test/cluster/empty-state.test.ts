import t from 'tap'
import { emptyState } from '../../src/cluster/empty-state.js'
import { DEFAULT_POLICY } from '../../src/policy/compile.js'

t.test('an empty cluster knows nothing, uses nothing, and is in sync', async (t) => {
  const state = emptyState()
  t.equal(state.getNad('a', 'b'), undefined)
  t.equal(await state.fetchNad('a', 'b'), undefined)
  t.equal(state.namespaceLabels('a'), undefined)
  t.equal(await state.fetchNamespaceLabels('a'), undefined)
  t.same(await state.podsUsingNad('a', 'b'), { ok: true, total: 0, examples: [] })
  t.equal(state.policy(), DEFAULT_POLICY)
  t.same(state.sync(), { synced: true, problems: [] })
  t.same(state.stats(), { nads: 0, namespaces: 0, policyConfigMaps: 0 })
  await state.close()
})
