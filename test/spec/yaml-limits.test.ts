import fc from 'fast-check'
import t from 'tap'
import { parse, stringify } from 'yaml'
import {
  MAX_YAML_DEPTH,
  valueDepth,
  yamlDepthProblem,
  yamlNestingEstimate,
} from '../../src/spec/yaml-limits.js'

const deepCases: Record<string, string> = {
  'flow sequences': `rules: ${'['.repeat(50_000)}${']'.repeat(50_000)}`,
  'flow maps': `rules: ${'{a: '.repeat(50_000)}1${'}'.repeat(50_000)}`,
  'compact block sequences': `rules:\n${'- '.repeat(50_000)}x`,
  'complex keys': `${'? '.repeat(50_000)}x`,
  indentation: Array.from({ length: 1_400 }, (_, i) => `${' '.repeat(i)}a:`).join('\n'),
  'after a block scalar that holds a quote': `a: |\n  "\nb: ${'['.repeat(100)}`,
  'after a quoted scalar over two lines': `a: "x\n  y"\nb: ${'['.repeat(100)}`,
  'after an anchor and a tag': `a: &x !!seq ${'['.repeat(100)}`,
}

t.test('deep documents are found by the scan, before any YAML parsing', async (t) => {
  for (const [name, text] of Object.entries(deepCases)) {
    t.match(yamlDepthProblem(text), /^YAML nested more than 64 levels deep \(line \d+\)/, name)
  }
})

t.test('brackets and quotes that are text do not count', async (t) => {
  const shallow = [
    `a: "${'['.repeat(100)}"`,
    `a: '${'{'.repeat(100)}'`,
    `a: it's ${'['.repeat(100)}`,
    `a: |\n  ${'['.repeat(100)}\n  "\nb: 1`,
    `a: >\n  ${'- '.repeat(100)}x\nb: 1`,
    `# ${'['.repeat(100)}\na: 1 # ${'{'.repeat(100)}`,
    `a: x[${'['.repeat(100)}`,
    `a: "it\\"s ${'['.repeat(100)}"`,
    `a: 'it''s ${'['.repeat(100)}'`,
  ]
  // A long document in JSON style, one value per line: lines inside a flow collection add none.
  shallow.push(JSON.stringify({ a: Array.from({ length: 500 }, (_, i) => ({ i })) }, null, 2))
  for (const text of shallow) {
    t.equal(yamlDepthProblem(text), undefined, text.slice(0, 40))
    t.ok(yamlNestingEstimate(text).depth < 5, text.slice(0, 40))
  }
})

t.test('the estimate never misses a level the parser builds (property)', async (t) => {
  const tree = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)),
      fc.array(tie('node'), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 6 }), tie('node'), { maxKeys: 3 }),
    ),
  })).node
  fc.assert(
    fc.property(
      tree,
      fc.integer({ min: 0, max: 2 }),
      fc.integer({ min: 0, max: 3 }),
      (value, style, indentPick) => {
        const text =
          style === 2
            ? JSON.stringify(value, null, indentPick)
            : stringify(value, {
                collectionStyle: style === 1 ? 'flow' : 'block',
                indent: [1, 2, 4, 8][indentPick],
                indentSeq: indentPick % 2 === 0,
              })
        let parsed: unknown
        try {
          parsed = parse(text)
        } catch {
          return true // the library writes a few forms it cannot read back (`- "":\n  []`)
        }
        return yamlNestingEstimate(text).depth >= valueDepth(parsed) - 1
      },
    ),
    { seed: 11_005, numRuns: 3_000 },
  )
  t.pass('3,000 generated documents')
})

t.test('valueDepth measures without recursion and stops past the bound', async (t) => {
  t.equal(valueDepth('x'), 0)
  t.equal(valueDepth({ a: [1, { b: 2 }] }), 3)
  let deep: unknown = 1
  for (let i = 0; i < 200_000; i++) deep = [deep]
  t.equal(valueDepth(deep), MAX_YAML_DEPTH + 1)
  t.equal(valueDepth(deep, 1_000_000), 200_000)
  // Shared references (what aliases produce) are walked per path, bounded.
  let shared: unknown[] = [1]
  for (let i = 0; i < 40; i++) shared = [shared, shared]
  t.ok(valueDepth(shared) > MAX_YAML_DEPTH)
  t.ok(valueDepth(shared, 1_000) > 1_000 || valueDepth(shared, 1_000) === 41)
})

// Issue 11 #10: a 50k-deep policy took 4.5 s and answered "Maximum call stack size exceeded".
t.test('the policy parser refuses a deep policy before parsing it', async (t) => {
  const { parsePolicyText } = await import('../../src/policy/parse.js')
  for (const text of [`rules: ${'['.repeat(50_000)}`, `rules:\n${'- '.repeat(20_000)}x`]) {
    const { document, findings } = parsePolicyText(text)
    t.equal(document, undefined)
    t.match(findings, [
      {
        rule: 'policy.invalid',
        path: 'policy.yaml',
        message: /^YAML nested more than 64 levels deep \(line \d\)/,
      },
    ])
  }
})

// Found by the fuzz suite: a policy of 3,000 rules held the event loop for 400 ms of CPU.
t.test('a policy over 64 KiB is refused unparsed, with advice', async (t) => {
  const { parsePolicyText } = await import('../../src/policy/parse.js')
  const rule = (i: number) =>
    `  - name: r${i}\n    action: allow\n    networks: {names: ["a/b"]}\n    from: {namespaces: {names: [x]}}\n`
  const text = (n: number) =>
    `apiVersion: multinet.io/v1alpha1\nrules:\n${Array.from({ length: n }, (_, i) => rule(i)).join('')}`
  let n = 1
  while (Buffer.byteLength(text(n + 1)) <= 64 * 1024) n++
  t.ok(
    parsePolicyText(text(n)).document,
    `${n} rules in ${Buffer.byteLength(text(n))} bytes are read`,
  )
  const over = parsePolicyText(text(n + 1))
  t.equal(over.document, undefined)
  t.match(over.findings, [
    {
      rule: 'policy.invalid',
      path: 'policy.yaml',
      message: /^is \d+ bytes; at most 65536 are read per ConfigMap: split the policy/,
    },
  ])
})

// Found by fuzzing under coverage: 500 uses of one alias kept the YAML library busy past
// 100 ms before it found that there were too many.
t.test('aliases are counted before parsing', async (t) => {
  const { yamlAliasProblem } = await import('../../src/spec/yaml-limits.js')
  const { parsePolicyText } = await import('../../src/policy/parse.js')
  const uses = (n: number) => `a: &a [1]\nrules: [${Array(n).fill('*a').join(', ')}]\n`
  t.equal(yamlAliasProblem(uses(100), 100), undefined)
  t.match(yamlAliasProblem(uses(101), 100), /uses more than 100 YAML aliases/)
  t.equal(
    yamlAliasProblem('names: ["ns/*", "*/*"]\nb: a*b\n', 0),
    undefined,
    'globs are not aliases',
  )
  t.match(yamlAliasProblem('- *x\n', 0), /more than 0/)
  t.match(parsePolicyText(uses(500)).findings, [
    { rule: 'policy.invalid', path: 'policy.yaml', message: /uses more than 100 YAML aliases/ },
  ])
})
