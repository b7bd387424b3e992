/**
 * Fuzzing the CNI configuration validator and the NAD validator (issue 11, "Prove it"):
 * arbitrary text, arbitrary JSON, and configs built from real plugin configurations with
 * fields replaced by arbitrary values. No exception, findings well formed, errors and a result
 * never together, no call over 100 ms.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import t from 'tap'
import { validateCniConfig } from '../../src/spec/cni-config.js'
import { RULES, errorsOf, type Finding } from '../../src/spec/finding.js'
import { validateNad } from '../../src/spec/nad.js'
import { BLOCK_BOUND_MS, SEEDS, blockingMs } from './fixtures/bound.js'

export const RUNS = { cni: 14_000, nad: 8_000 }

const NADS = fileURLToPath(new URL('../fixtures/spec/nads/', import.meta.url))
/** Real plugin configurations (bridge, macvlan, SR-IOV, OVN), parsed. */
const REAL: Record<string, unknown>[] = readdirSync(NADS)
  .map((f) => {
    try {
      return JSON.parse(readFileSync(`${NADS}${f}`, 'utf8')) as Record<string, unknown>
    } catch {
      return undefined
    }
  })
  .filter((v): v is Record<string, unknown> => v !== undefined && typeof v === 'object')
const CONFIGS: Record<string, unknown>[] = REAL.map((nad) => {
  const config = (nad.spec as { config?: unknown } | undefined)?.config
  return typeof config === 'string' ? (JSON.parse(config) as Record<string, unknown>) : nad
})

const KEYS = [
  'cniVersion',
  'cniVersions',
  'name',
  'type',
  'plugins',
  'ipam',
  'dns',
  'capabilities',
  'disableCheck',
  'disableGC',
  'loadOnlyInlinedPlugins',
  'master',
  'mode',
  'bridge',
  'mtu',
]
const value = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('1.0.0', '0.3.1', '9.9.9', 'bridge', '', 'TRUE', 'x'.repeat(100_000)),
)

/** A real config with some keys (top level or in plugins[0]) replaced by arbitrary values. */
const mutated = fc
  .tuple(
    fc.constantFrom(...CONFIGS),
    fc.array(fc.tuple(fc.constantFrom(...KEYS), value, fc.boolean()), { maxLength: 4 }),
  )
  .map(([base, edits]) => {
    const config = structuredClone(base)
    for (const [key, v, inPlugin] of edits) {
      const plugins = config.plugins
      const first: unknown = Array.isArray(plugins) ? plugins[0] : undefined
      if (inPlugin && typeof first === 'object' && first !== null && !Array.isArray(first)) {
        ;(first as Record<string, unknown>)[key] = v
      } else config[key] = v
    }
    return JSON.stringify(config)
  })

const configText = fc.oneof(
  { weight: 4, arbitrary: mutated },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.stringify(v)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      `${'['.repeat(100)}${']'.repeat(100)}`,
      JSON.stringify({
        cniVersion: '1.0.0',
        name: 'n',
        plugins: Array.from({ length: 20_000 }, () => ({})),
      }),
      JSON.stringify({
        cniVersion: '1.0.0',
        name: 'n',
        type: 'x',
        ...Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i])),
      }),
      '{"cniVersion":"1.0.0","name":"n","type":"bridge","__proto__":{"x":1}}',
    ),
  },
)

function wellFormed(findings: readonly Finding[]): void {
  for (const f of findings) {
    if (!Object.hasOwn(RULES, f.rule)) throw new Error(`unknown rule ${f.rule}`)
    if (typeof f.message !== 'string' || f.message.length === 0) throw new Error('no message')
  }
}

t.test('CNI configs: no exception, findings well formed, bounded', async (t) => {
  t.ok(CONFIGS.length >= 4, `${CONFIGS.length} real configurations to start from`)
  let slowest = 0
  fc.assert(
    fc.property(configText, fc.constantFrom('br', 'data-plane', 'x'), (text, name) => {
      let run = 0
      let r: ReturnType<typeof validateCniConfig> | undefined
      run = Math.max(
        run,
        blockingMs(() => (r = validateCniConfig(text, name))),
      )
      wellFormed(r!.findings)
      if ((r!.config !== undefined) === errorsOf(r!.findings).length > 0) {
        throw new Error('config and errors disagree')
      }
      slowest = Math.max(slowest, run)
      return run <= BLOCK_BOUND_MS
    }),
    { seed: SEEDS.cniConfig, numRuns: RUNS.cni },
  )
  t.ok(slowest <= BLOCK_BOUND_MS, `${RUNS.cni} inputs; slowest call ${slowest.toFixed(1)} ms`)
})

t.test('NAD objects: no exception, findings well formed, bounded', async (t) => {
  const nad = fc.record(
    {
      apiVersion: fc.oneof(fc.constant('k8s.cni.cncf.io/v1'), value),
      kind: fc.oneof(fc.constant('NetworkAttachmentDefinition'), value),
      metadata: fc.oneof(
        fc.record(
          {
            name: fc.oneof(fc.constantFrom('br', 'Bad_Name', 'x'.repeat(300)), value),
            namespace: fc.oneof(fc.constantFrom('default', 'team-a'), value),
            annotations: fc.oneof(
              fc.dictionary(
                fc.constantFrom(
                  'k8s.v1.cni.cncf.io/resourceName',
                  'k8s.v1.cni.cncf.io/nodeSelector',
                  'multinet.io/physical-network',
                  'other',
                ),
                fc.oneof(
                  fc.constantFrom('intel.com/sriov', 'zone=a,b!=c', 'kubernetes.io/x'),
                  value,
                ),
              ),
              value,
            ),
          },
          { requiredKeys: [] },
        ),
        value,
      ),
      spec: fc.oneof(
        fc.record({ config: fc.oneof(configText, value) }, { requiredKeys: [] }),
        value,
      ),
    },
    { requiredKeys: [] },
  )
  let slowest = 0
  fc.assert(
    fc.property(nad, (obj) => {
      let run = 0
      let r: ReturnType<typeof validateNad> | undefined
      run = Math.max(
        run,
        blockingMs(() => (r = validateNad(obj, { resourceNameKeys: ['example.com/res'] }))),
      )
      wellFormed(r!.findings)
      if ((r!.nad !== undefined) === errorsOf(r!.findings).length > 0) {
        throw new Error('nad and errors disagree')
      }
      slowest = Math.max(slowest, run)
      return run <= BLOCK_BOUND_MS
    }),
    { seed: SEEDS.nad, numRuns: RUNS.nad },
  )
  t.ok(slowest <= BLOCK_BOUND_MS, `${RUNS.nad} inputs; slowest call ${slowest.toFixed(1)} ms`)
})
