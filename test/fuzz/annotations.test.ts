/**
 * Fuzzing the annotation parsers (issue 11, "Prove it"): `k8s.v1.cni.cncf.io/networks`,
 * `v1.multus-cni.io/default-network` and `network-status`, with arbitrary text, arbitrary JSON
 * and near-valid selections built from the spec's vocabulary. Whatever the input: no exception,
 * every finding has a rule from the catalogue and a message, errors and elements never go
 * together, nothing echoes more than a bounded slice of the input, and no call blocks > 100 ms.
 */
import fc from 'fast-check'
import t from 'tap'
import { RULES, errorsOf, type Finding } from '../../src/spec/finding.js'
import { MAX_SELECTIONS } from '../../src/spec/limits.js'
import { parseNetworkStatus } from '../../src/spec/network-status.js'
import { parseDefaultNetwork, parseSelections } from '../../src/spec/selection.js'
import { BLOCK_BOUND_MS, SEEDS, blockingMs } from './fixtures/bound.js'
import { selectionText, statusText } from './fixtures/annotations.js'

export const RUNS = { selections: 20_000, status: 6_000 }

function wellFormed(findings: readonly Finding[], input: string): boolean {
  for (const f of findings) {
    if (!Object.hasOwn(RULES, f.rule)) throw new Error(`unknown rule ${f.rule}`)
    if (typeof f.message !== 'string' || f.message.length === 0) throw new Error('no message')
    // Bounded echo: a finding costs at most a few hundred characters, whatever it quotes.
    if (f.message.length + f.path.length > 1_200 && input.length > 1_200) {
      throw new Error(`finding of ${f.message.length} characters: ${f.message.slice(0, 100)}`)
    }
  }
  if (findings.length > 4 * MAX_SELECTIONS * 12) throw new Error(`${findings.length} findings`)
  return true
}

t.test('networks and default-network: no exception, findings well formed, bounded', async (t) => {
  let slowest = 0
  fc.assert(
    fc.property(selectionText, fc.constantFrom('ns1', 'team-a', 'default'), (text, ns) => {
      let run = 0
      let result: ReturnType<typeof parseSelections> | undefined
      run = Math.max(
        run,
        blockingMs(() => (result = parseSelections(text, ns))),
      )
      const { elements, findings } = result!
      wellFormed(findings, text)
      if (errorsOf(findings).length > 0 && elements.length > 0) throw new Error('both')
      if (elements.length > MAX_SELECTIONS) throw new Error(`${elements.length} elements`)
      for (const el of elements) if (!el.name || !el.namespace) throw new Error('empty name')
      const def = parseDefaultNetwork(text, ns)
      wellFormed(def.findings, text)
      if ((def.element === undefined) === (errorsOf(def.findings).length === 0)) {
        throw new Error('default-network: element and errors disagree')
      }
      slowest = Math.max(slowest, run)
      return run <= BLOCK_BOUND_MS
    }),
    { seed: SEEDS.annotations, numRuns: RUNS.selections },
  )
  t.ok(
    slowest <= BLOCK_BOUND_MS,
    `${RUNS.selections} inputs; slowest call ${slowest.toFixed(1)} ms`,
  )
})

t.test('network-status: no exception, findings well formed, bounded', async (t) => {
  let slowest = 0
  fc.assert(
    fc.property(statusText, (text) => {
      let run = 0
      let result: ReturnType<typeof parseNetworkStatus> | undefined
      run = Math.max(
        run,
        blockingMs(() => (result = parseNetworkStatus(text))),
      )
      wellFormed(result!.findings, text)
      if (errorsOf(result!.findings).length > 0 && result!.entries.length > 0) {
        throw new Error('both')
      }
      slowest = Math.max(slowest, run)
      return run <= BLOCK_BOUND_MS
    }),
    { seed: SEEDS.networkStatus, numRuns: RUNS.status },
  )
  t.ok(slowest <= BLOCK_BOUND_MS, `${RUNS.status} inputs; slowest call ${slowest.toFixed(1)} ms`)
})
