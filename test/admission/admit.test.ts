import t from 'tap'
import { pino } from 'pino'
import { admit, decodePatch } from '../../src/admission/admit.js'
import { DEFAULT_ADMISSION_OPTIONS as options } from '../../src/admission/options.js'
import { openFileState } from '../../src/cluster/file-state.js'
import { toReview } from '../../src/cli/review-input.js'

const state = await openFileState('examples/state', {
  watch: false,
  logger: pino({ level: 'silent' }),
  options,
})
t.teardown(() => state.close())

const pod = (namespace: string, networks: string): unknown =>
  toReview(
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace, annotations: { 'k8s.v1.cni.cncf.io/networks': networks } },
      spec: { containers: [{ name: 'c', image: 'x' }] },
    },
    'pod',
    { namespace, username: 'u', groups: [] },
  )

t.test(
  'mutate, then validate the mutated pod: the patch rides on the validation answer',
  async (t) => {
    const r = await admit(pod('telco', 'default/bridge-net'), state, options)
    t.equal(r.review.response.allowed, true)
    t.equal(r.review.response.patchType, 'JSONPatch')
    t.same(decodePatch(r.review), r.patch)
    t.ok(r.patch.length > 0, 'the podnetinfo volume at least')
    t.ok(r.outcome.patched)
  },
)

t.test('a warning that mutate and validate both raise is said once', async (t) => {
  const r = await admit(pod('nowhere', 'default/bridge-net'), state, options)
  t.equal(r.review.response.allowed, true)
  t.ok(r.outcome.warnings.length > 0, 'the unknown namespace is a warning')
  t.equal(new Set(r.outcome.warnings).size, r.outcome.warnings.length, 'no repeats')
  t.same(r.review.response.warnings ?? [], [...new Set(r.review.response.warnings ?? [])])
})

t.test('a refusal carries no patch', async (t) => {
  const r = await admit(pod('telco', 'storage/no-such-net'), state, options)
  t.equal(r.review.response.allowed, false)
  t.same(r.patch, [])
  t.equal(r.review.response.patch, undefined)
})

t.test('decodePatch: no patch is an empty list', async (t) => {
  const r = await admit(pod('telco', 'storage/no-such-net'), state, options)
  t.same(decodePatch(r.review), [])
})
