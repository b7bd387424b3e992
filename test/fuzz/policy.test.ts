/**
 * Fuzzing the policy compiler (issue 11, "Prove it"): policy YAML from the worked examples with
 * values replaced, lines dropped or repeated, plus arbitrary YAML and text, through
 * parsePolicyText, compilePolicy and a decision. No exception, findings well formed, a document
 * only without errors, decisions for every network, and no step over 100 ms.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import t from 'tap'
import { parse, stringify } from 'yaml'
import { compilePolicy } from '../../src/policy/compile.js'
import { parsePolicyText } from '../../src/policy/parse.js'
import type { NetworkRef } from '../../src/policy/types.js'
import { RULES, errorsOf } from '../../src/spec/finding.js'
import { BLOCK_BOUND_MS, SEEDS, blockingMs } from './fixtures/bound.js'

export const RUNS = 14_000

const DIR = fileURLToPath(new URL('../fixtures/policy/', import.meta.url))
/** The `policy.yaml` texts of the worked examples. */
const TEXTS: string[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => {
    const cm = parse(readFileSync(`${DIR}${f}`, 'utf8')) as { data?: Record<string, string> }
    const text = cm?.data?.['policy.yaml']
    return typeof text === 'string' ? [text] : []
  })
const DOCS: unknown[] = TEXTS.map((text) => parse(text) as unknown)

const value = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    'allow',
    'deny',
    'audit',
    'enforce',
    '*',
    'ns/*',
    'In',
    'Exists',
    'x'.repeat(10_000),
  ),
)

/** Every path to a value inside `root`, found without recursion. */
function pathsOf(root: unknown): (string | number)[][] {
  const out: (string | number)[][] = []
  const stack: [unknown, (string | number)[]][] = [[root, []]]
  while (stack.length > 0) {
    const [node, path] = stack.pop()!
    if (path.length > 0) out.push(path)
    if (Array.isArray(node)) node.forEach((v, i) => stack.push([v, [...path, i]]))
    else if (node !== null && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) stack.push([v, [...path, k]])
    }
  }
  return out
}

/** A worked example with some values replaced by arbitrary ones (types, names, selectors). */
const structural = fc
  .tuple(fc.constantFrom(...DOCS), fc.array(fc.tuple(fc.nat(), value), { maxLength: 4 }))
  .map(([doc, edits]) => {
    const copy = structuredClone(doc) as Record<string, unknown>
    for (const [pick, v] of edits) {
      const paths = pathsOf(copy)
      if (paths.length === 0) break
      const path = paths[pick % paths.length]!
      let node: unknown = copy
      for (const key of path.slice(0, -1)) node = (node as Record<string | number, unknown>)[key]
      ;(node as Record<string | number, unknown>)[path[path.length - 1]!] = v
    }
    return stringify(copy)
  })

/** A worked example with lines dropped, repeated or cut: broken indentation, duplicate keys. */
const textual = fc
  .tuple(
    fc.constantFrom(...TEXTS),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom('drop', 'repeat', 'cut', 'indent')), {
      maxLength: 3,
    }),
  )
  .map(([text, edits]) => {
    const lines = text.split('\n')
    for (const [pick, how] of edits) {
      const i = pick % lines.length
      if (how === 'drop') lines.splice(i, 1)
      else if (how === 'repeat') lines.splice(i, 0, lines[i]!)
      else if (how === 'cut') lines[i] = lines[i]!.slice(0, pick % (lines[i]!.length + 1))
      else lines[i] = ` ${lines[i]}`
    }
    return lines.join('\n')
  })

const policyText = fc.oneof(
  { weight: 4, arbitrary: structural },
  { weight: 3, arbitrary: textual },
  { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => stringify(v)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      `rules: ${'['.repeat(50_000)}`,
      `rules:\n${'- '.repeat(50_000)}x`,
      `a: &a [1]\nrules: [${Array(500).fill('*a').join(',')}]`,
      `rules:\n${Array.from({ length: 3_000 }, (_, i) => `  - {name: r${i}, action: allow, networks: {names: ["*/*"]}}`).join('\n')}`,
      'apiVersion: multinet.io/v1alpha1\nrules: []\nrules: []\n',
      '---\n---\n',
    ),
  },
)

const SUBJECT = {
  namespace: 'nfv-app',
  namespaceLabels: { 'multinet.io/workload': 'nfv', tenant: 'blue' },
  podLabels: { app: 'upf', role: 'data' },
  serviceAccount: 'default',
}
const NETWORKS: NetworkRef[] = [
  { namespace: 'nfv-infra', name: 'control', labels: {} },
  {
    namespace: 'nfv-infra',
    name: 'data-a',
    labels: { plane: 'data' },
    physicalNetwork: 'physnet1',
  },
  { namespace: 'nfv-app', name: 'own', labels: {} },
]

t.test('policy text -> document -> compiled policy -> decisions, for any text', async (t) => {
  t.ok(TEXTS.length >= 4, `${TEXTS.length} worked examples to start from`)
  let slowest = 0
  let compiled = 0
  fc.assert(
    fc.property(policyText, (text) => {
      let run = 0
      let parsed: ReturnType<typeof parsePolicyText> | undefined
      run = Math.max(
        run,
        blockingMs(() => (parsed = parsePolicyText(text))),
      )
      const { document, findings } = parsed!
      for (const f of findings) {
        if (!Object.hasOwn(RULES, f.rule)) throw new Error(`unknown rule ${f.rule}`)
        if (typeof f.message !== 'string' || f.message === '') throw new Error('no message')
      }
      if ((document !== undefined) === errorsOf(findings).length > 0) {
        throw new Error('document and errors disagree')
      }
      if (document === undefined) {
        slowest = Math.max(slowest, run)
        return run <= BLOCK_BOUND_MS
      }
      compiled++
      run = Math.max(
        run,
        blockingMs(() => {
          const policy = compilePolicy([{ name: 'fuzz', document }])
          const decisions = policy.decide(SUBJECT, NETWORKS)
          if (decisions.length !== NETWORKS.length) throw new Error('a network without decision')
          for (const d of decisions) {
            if (typeof d.reason !== 'string' || d.reason === '') throw new Error('no reason')
          }
          policy.tenantFor(SUBJECT)
        }),
      )
      slowest = Math.max(slowest, run)
      return run <= BLOCK_BOUND_MS
    }),
    { seed: SEEDS.policy, numRuns: RUNS },
  )
  t.ok(compiled > RUNS / 10, `${compiled} of ${RUNS} inputs compiled and decided`)
  t.ok(slowest <= BLOCK_BOUND_MS, `${RUNS} inputs; slowest step ${slowest.toFixed(1)} ms`)
})
