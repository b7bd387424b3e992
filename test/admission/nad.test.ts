import t from 'tap'
import { handleReview } from '../../src/admission/handle.js'
import { DEFAULT_ADMISSION_OPTIONS as options } from '../../src/admission/options.js'
import type { NadUsage } from '../../src/admission/state.js'
import { review } from '../fixtures/admission/reviews.js'
import { memoryState } from '../fixtures/admission/state.js'

// NAD DELETE: allowed always (failurePolicy Ignore in the registration), with a warning when
// unfinished pods still select the NAD (Multus #199).
const deleteReview = (oldObject: unknown, over: { namespace?: string; name?: string } = {}) => {
  const r = review({
    group: 'k8s.cni.cncf.io',
    resource: 'network-attachment-definitions',
    kind: 'NetworkAttachmentDefinition',
    operation: 'DELETE',
    namespace: over.namespace ?? 'team-a',
    ...(oldObject !== undefined ? { oldObject } : {}),
  })
  if (over.name !== undefined) (r.request as Record<string, unknown>).name = over.name
  return r
}
const stored = { metadata: { name: 'data', namespace: 'team-a' } }

const decide = async (usage: NadUsage, oldObject: unknown = stored) => {
  const state = memoryState({ usage })
  const { review: r, outcome } = await handleReview(
    'validate',
    deleteReview(oldObject),
    state,
    options,
  )
  return { response: r.response, outcome, fetches: state.fetches }
}

t.test('a NAD no pod selects is deleted without a word', async (t) => {
  const { response, outcome, fetches } = await decide({ ok: true, total: 0, examples: [] })
  t.equal(response.allowed, true)
  t.equal(response.warnings, undefined)
  t.same(fetches, ['usage team-a/data'])
  t.same(outcome.explain, ['no unfinished pod selects team-a/data'])
})

t.test('a NAD in use is deleted with a warning naming the pods', async (t) => {
  const one = await decide({ ok: true, total: 1, examples: ['team-b/web'] })
  t.equal(one.response.allowed, true)
  t.same(one.response.warnings, [
    'metadata.name: team-a/data is still selected by 1 pod (team-b/web): they keep their attachments, but new pods that select it will be refused until it is recreated [nad.in-use]',
  ])
  const many = await decide({ ok: true, total: 7, examples: ['a/1', 'a/2', 'a/3', 'a/4', 'a/5'] })
  t.match(
    many.response.warnings?.[0],
    /still selected by 7 pods \(a\/1, a\/2, a\/3, a\/4, a\/5 and 2 more\)/,
  )
  t.same(many.outcome.deniedBy, [])
})

t.test('when the pods cannot be listed, the delete goes through and says so', async (t) => {
  const { response } = await decide({ ok: false, reason: 'the pod list took longer than 4000 ms' })
  t.equal(response.allowed, true)
  t.same(response.warnings, [
    'metadata.name: could not check whether pods still select team-a/data: the pod list took longer than 4000 ms [nad.in-use]',
  ])
})

t.test('the name may come from the request when oldObject is absent', async (t) => {
  const state = memoryState({
    usage: (ns, name) => ({ ok: true, total: 1, examples: [`${ns}/${name}-user`] }),
  })
  const { review: r } = await handleReview(
    'validate',
    deleteReview(undefined, { name: 'x' }),
    state,
    options,
  )
  t.match(r.response.warnings?.[0], /team-a\/x is still selected by 1 pod \(team-a\/x-user\)/)
  const { review: nameless } = await handleReview(
    'validate',
    deleteReview(undefined),
    state,
    options,
  )
  t.equal(nameless.response.warnings, undefined, 'nothing to look up without a name')
  t.same(state.fetches, ['usage team-a/x'])
})

t.test('the mutating endpoint does not look', async (t) => {
  const state = memoryState({ usage: { ok: true, total: 3, examples: [] } })
  const { review: r } = await handleReview('mutate', deleteReview(stored), state, options)
  t.equal(r.response.allowed, true)
  t.same(state.fetches, [])
})
