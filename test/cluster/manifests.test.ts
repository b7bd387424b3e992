import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import { DEFAULT_ADMISSION_OPTIONS as OPTIONS } from '../../src/admission/options.js'
import {
  documentsOf,
  eachDocument,
  isManifestFile,
  parseManifests,
  type ManifestContent,
} from '../../src/cluster/manifests.js'
import { ownString } from '../../src/cluster/nad-info.js'

const NAD = `apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata:
  name: br
  namespace: team-a
  labels: { plane: data }
  annotations:
    k8s.v1.cni.cncf.io/resourceName: example.com/nic
    kubectl.kubernetes.io/last-applied-configuration: '{"huge": "blob"}'
spec:
  config: '{"cniVersion": "1.0.0", "type": "bridge"}'
`
const POLICY_CM = `apiVersion: v1
kind: ConfigMap
metadata:
  name: base
  namespace: multinet-system
  labels: { multinet.io/policy: "true" }
data:
  policy.yaml: |
    apiVersion: multinet.io/v1alpha1
`

function ok(t: Test, file: string, text: string): ManifestContent {
  const parsed = parseManifests(file, text, OPTIONS)
  if (!parsed.ok) {
    t.fail(`expected ${file} to parse: ${parsed.problems.join('; ')}`)
    return { nads: [], namespaces: [], policyConfigMaps: [] }
  }
  return parsed.content
}

function broken(file: string, text: string): readonly string[] {
  const parsed = parseManifests(file, text, OPTIONS)
  return parsed.ok ? [] : parsed.problems
}

t.test('reads NADs, Namespaces and policy ConfigMaps from multi-document YAML', async (t) => {
  const text = [
    NAD,
    'apiVersion: v1\nkind: Namespace\nmetadata: { name: team-a, labels: { tier: gold } }',
    POLICY_CM,
    'apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec: {}',
    '# only a comment',
    '',
  ].join('\n---\n')
  const c = ok(t, 'state.yaml', text)
  t.same(c.nads, [
    {
      namespace: 'team-a',
      name: 'br',
      labels: { plane: 'data' },
      annotations: { 'k8s.v1.cni.cncf.io/resourceName': 'example.com/nic' },
      cniTypes: ['bridge'],
    },
  ])
  t.same(c.namespaces, [{ name: 'team-a', labels: { tier: 'gold' } }])
  t.same(c.policyConfigMaps, [
    {
      name: 'base',
      namespace: 'multinet-system',
      labels: { 'multinet.io/policy': 'true' },
      data: { 'policy.yaml': 'apiVersion: multinet.io/v1alpha1\n' },
      origin: 'state.yaml',
    },
  ])
})

t.test('ConfigMaps that are not policy here are skipped without a word', async (t) => {
  const elsewhere = POLICY_CM.replace('namespace: multinet-system', 'namespace: default')
  const off = POLICY_CM.replace('"true"', '"false"')
  const noNs = POLICY_CM.replace('  namespace: multinet-system\n', '')
  for (const text of [elsewhere, off, noNs]) t.same(ok(t, 'cm.yaml', text).policyConfigMaps, [])
})

t.test('List kinds and JSON files', async (t) => {
  const list = {
    apiVersion: 'v1',
    kind: 'List',
    items: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } },
      {
        apiVersion: 'v1',
        kind: 'NamespaceList',
        items: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'b' } }],
      },
    ],
  }
  const c = ok(t, 'all.json', JSON.stringify(list))
  t.same(
    c.namespaces.map((n) => n.name),
    ['a', 'b'],
  )
  t.same(broken('bad.json', '{"kind": '), [`bad.json: invalid JSON: ${jsonError('{"kind": ')}`])
  t.same(broken('l.json', '{"apiVersion":"v1","kind":"List","items":{}}'), [
    'l.json: List.items must be a list',
  ])
  const nested = { ...list, items: [{ kind: 'Namespace' }] }
  t.same(broken('n.json', JSON.stringify(nested)), [
    'n.json, items[0]: not a Kubernetes object (needs string apiVersion and kind)',
  ])
})

function jsonError(text: string): string {
  try {
    JSON.parse(text)
  } catch (err) {
    return (err as Error).message
  }
  return ''
}

t.test('YAML syntax errors name the document and the line', async (t) => {
  const [one] = broken('x.yaml', 'kind: Namespace\nmetadata: {name: a\n')
  t.match(one, /^x\.yaml: invalid YAML: .*line \d+, column \d+/)
  const [two] = broken('x.yaml', `${NAD}---\nkind: [\n`)
  t.match(two, /^x\.yaml: document 2: invalid YAML: /)
  t.same(documentsOf('empty.yaml', ''), [])
})

t.test('objects that the API server would refuse make the file broken', async (t) => {
  t.same(broken('s.yaml', 'just a string'), [
    's.yaml: not a Kubernetes object (needs string apiVersion and kind)',
  ])
  t.same(broken('v.yaml', NAD.replace('k8s.cni.cncf.io/v1', 'k8s.cni.cncf.io/v1beta1')), [
    'v.yaml (NetworkAttachmentDefinition team-a/br): apiVersion must be k8s.cni.cncf.io/v1, not k8s.cni.cncf.io/v1beta1',
  ])
  t.same(broken('n.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata: {}'), [
    'n.yaml (Namespace ): metadata.name is missing',
  ])
  t.match(broken('n.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: Team_A}'), [
    /^n\.yaml \(Namespace Team_A\): metadata\.name: /,
  ])
  t.match(broken('ns.yaml', NAD.replace('namespace: team-a', 'namespace: Team_A')), [
    /^ns\.yaml \(NetworkAttachmentDefinition Team_A\/br\): metadata\.namespace "Team_A": /,
  ])
  t.same(broken('ns.yaml', NAD.replace('namespace: team-a', 'namespace: 7')), [
    'ns.yaml (NetworkAttachmentDefinition default/br): metadata.namespace 7: must be a string',
  ])
  t.same(broken('l.yaml', POLICY_CM.replace('"true"', 'true')), [
    'l.yaml (ConfigMap multinet-system/base): metadata.labels["multinet.io/policy"] must be a string (quote it: "true")',
  ])
  t.same(broken('a.yaml', NAD.replace(/annotations:\n(.*\n){2}/, 'annotations: [x]\n')), [
    'a.yaml (NetworkAttachmentDefinition team-a/br): metadata.annotations must be a map of strings',
  ])
  const nullLabels = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: null}'
  t.same(ok(t, 'nl.yaml', nullLabels).namespaces, [{ name: 'a', labels: {} }])
})

t.test('a policy ConfigMap needs string data', async (t) => {
  t.same(
    broken('d.yaml', POLICY_CM.replace(/policy\.yaml: \|\n.*\n/, 'policy.yaml: 3\n  x: y\n')),
    ['d.yaml (ConfigMap multinet-system/base): data must be a map of strings (policy.yaml)'],
  )
  t.same(broken('d.yaml', POLICY_CM.replace(/^data:\n(.*\n)*/m, 'data: [1]\n')), [
    'd.yaml (ConfigMap multinet-system/base): data must be a map of strings',
  ])
  const noData = POLICY_CM.replace(/^data:\n(.*\n)*/m, '')
  t.same(ok(t, 'nd.yaml', noData).policyConfigMaps[0]?.data, {}, 'absent data: empty')
})

t.test('a NAD that does not validate makes the file broken, with each finding', async (t) => {
  const bad = NAD.replace('"type": "bridge"', '"type": 7').replace('example.com/nic', 'no-domain')
  const problems = broken('nads/bad.yaml', `${bad}---\n${NAD}`)
  t.equal(problems.length, 2)
  t.match(
    problems[0],
    /^nads\/bad\.yaml: document 1 \(NetworkAttachmentDefinition team-a\/br\): spec\.config\.type: .*\[nad\.config-schema\]$/,
  )
  t.match(problems[1], /resourceName.*\[nad\.resource-name\]$/)
})

t.test('manifest file names', async (t) => {
  t.ok(isManifestFile('a.yaml'))
  t.ok(isManifestFile('a.yml'))
  t.ok(isManifestFile('a.json'))
  t.notOk(isManifestFile('a.yaml.swp'))
  t.notOk(isManifestFile('README.md'))
})

// Issue 11 #10, #11: deep or alias-heavy files are a per-file problem, never an exception.
t.test('runaway aliases and deep nesting are per-file problems, never exceptions', async (t) => {
  const nsList = (uses: number) =>
    `apiVersion: v1\nkind: List\nitems:\n${Array.from(
      { length: uses },
      (_, i) =>
        `- ${i === 0 ? '&ns ' : ''}{apiVersion: v1, kind: Namespace, metadata: {name: n${i}}}`,
    ).join('\n')}\n- *ns\n`.replace(/- \*ns\n$/, `${'- *ns\n'.repeat(uses)}`)
  // 150 uses of one anchor: ordinary YAML, read (the library's default refused over 100).
  t.equal(ok(t, 'list.yaml', nsList(150)).namespaces.length, 300)
  const [laughs] = broken('laughs.yaml', nsList(1_500))
  t.match(
    laughs,
    /^laughs\.yaml: invalid YAML: Excessive alias count .* \(at most 1000 alias expansions per document\)/,
  )
  const chain = [
    'a0: &a0 [x, x, x, x, x, x, x, x, x, x]',
    ...Array.from(
      { length: 9 },
      (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]`,
    ),
  ].join('\n')
  t.match(broken('chain.yaml', chain), [/^chain\.yaml: invalid YAML: Excessive alias count/])
  t.match(broken('unknown.yaml', 'a: *nowhere\n'), [/^unknown\.yaml: invalid YAML: /])
  t.match(broken('deep.yaml', `a: ${'['.repeat(50_000)}`), [
    /^deep\.yaml: YAML nested more than 64 levels deep \(line 1\)/,
  ])
  t.match(broken('deep.json', `${'['.repeat(50_000)}${']'.repeat(50_000)}`), [
    /^deep\.json: JSON nested 50000 levels deep; at most 64 are read/,
  ])
  // Anchors inside anchors nest deeper than the text shows: measured on the value too.
  const nested = [
    'a0: &a0 [[[[[[[[[[1]]]]]]]]]]',
    ...Array.from({ length: 9 }, (_, i) => `a${i + 1}: &a${i + 1} [[[[[[[[[[*a${i}]]]]]]]]]]`),
  ].join('\n')
  t.match(broken('nested.yaml', nested), [
    /nested more than 64 levels deep once aliases are expanded/,
  ])
})

// Documents are parsed one at a time (eachDocument): what a problem says must not depend on it.
t.test('a YAML problem in any document breaks the whole file, named as before', async (t) => {
  const bad = 'kind: [\n'
  t.same(broken('x.yaml', `${NAD}---\n${NAD}---\n${bad}`), [
    'x.yaml: document 3: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 26, column 1',
  ])
  // The first document is named only when another follows it, read past the broken one.
  t.match(broken('x.yaml', `${bad}---\n${NAD}`), [/^x\.yaml: document 1: invalid YAML: /])
  t.match(broken('x.yaml', bad), [/^x\.yaml: invalid YAML: .* at line 2, column 1$/])
  t.match(broken('x.yaml', `${NAD}---\na: *nowhere\n`), [/^x\.yaml: document 2: invalid YAML: /])
  const seen: number[] = []
  t.match(
    eachDocument('x.yaml', `a: 1\n---\nb: 2\n---\n${bad}`, (_, i) => seen.push(i)),
    /^document 3: invalid YAML: /,
  )
  t.same(seen, [0, 1], 'documents before the broken one were visited')
  t.same(documentsOf('x.yaml', 'a: 1\n---\n---\nb: 2\n'), [{ a: 1 }, null, { b: 2 }])
})

t.test('problems of several documents keep their document numbers', async (t) => {
  const ns = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}}`
  t.same(broken('n.yaml', [ns('a'), ns('B_'), '# nothing', ns('c_')].join('\n---\n')), [
    'n.yaml: document 2 (Namespace B_): metadata.name: must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit',
    'n.yaml: document 4 (Namespace c_): metadata.name: must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit',
  ])
  // One object among empty documents: named by the file alone.
  t.same(broken('n.yaml', ['', ns('B_'), ''].join('\n---\n')), [
    'n.yaml (Namespace B_): metadata.name: must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit',
  ])
})

/**
 * Runs in a child process, without coverage: a heap snapshot (its full GC) discards the
 * coverage counters of the functions it flushes.
 * Prints whether the text of a file parsed by parseManifests (`kept`), and of one whose raw
 * values are still held (`control`: the check can fail), are in the heap afterwards.
 */
const HEAP_CHECK = `
import { randomUUID } from 'node:crypto'
import { getHeapSnapshot } from 'node:v8'
const { documentsOf, parseManifests } = await import(process.env.MANIFESTS_URL)
const { DEFAULT_ADMISSION_OPTIONS } = await import(process.env.OPTIONS_URL)
const { NAD, POLICY_CM } = JSON.parse(process.env.TEXTS)
async function inHeap(marker) {
  const chunks = []
  for await (const chunk of getHeapSnapshot()) chunks.push(String(chunk))
  // The text itself, not the marker alone: a snapshot names a string by its first 1024 chars.
  return JSON.parse(chunks.join('')).strings.some((s) => s.length > 1000 && s.startsWith(marker))
}
// 500 NADs with long names, labels and annotations: each value a substring of the text
// unless copied, and any one of them would keep the whole text.
const marker = '# ' + randomUUID() + ' '
const content = (() => {
  const nads = Array.from({ length: 500 }, (_, i) =>
    NAD.replace('name: br', 'name: bridge-network-number-' + i)
      .replace('labels: { plane: data }', 'labels: { plane: data-plane-of-tenant-' + i + ' }')
      .replace('example.com/nic', 'example.com/nic-resource-' + i),
  )
  const ns = 'apiVersion: v1\\nkind: Namespace\\nmetadata: {name: team-a, labels: {tier: gold-tier-label-value}}'
  const text = marker + 'x'.repeat(1000) + '\\n' + [...nads, ns, POLICY_CM].join('\\n---\\n')
  return parseManifests('big.yaml', text, DEFAULT_ADMISSION_OPTIONS).content
})()
// V8 keeps the subject of the last RegExp match (RegExp.lastMatch) until the next match
// anywhere; the webhook's next request makes one. Not the state's doing: released here.
;/./.exec('.')
const kept = await inHeap(marker)
const other = '# ' + randomUUID() + ' '
const raw = documentsOf('raw.yaml', other + 'x'.repeat(1000) + '\\n' + NAD)
const control = await inHeap(other)
console.log(JSON.stringify({
  kept,
  control,
  raw: raw.length,
  nads: content.nads.length,
  plane: content.nads[7].labels.plane,
  tier: content.namespaces[0].labels.tier,
}))
`

t.test('what a file contributes keeps no part of its text alive', async (t) => {
  t.setTimeout(120_000)
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MANIFESTS_URL: new URL('../../src/cluster/manifests.js', import.meta.url).href,
    OPTIONS_URL: new URL('../../src/admission/options.js', import.meta.url).href,
    TEXTS: JSON.stringify({ NAD, POLICY_CM }),
  }
  // tap wraps child processes to record their coverage too; this one compiles the sources with
  // tsx, at other offsets than tap's own loader, and merging the two miscounted manifests.ts.
  env._TAPJS_PROCESSINFO_COVERAGE_ = '0'
  delete env.NODE_V8_COVERAGE
  delete env.NODE_OPTIONS
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', HEAP_CHECK],
    { env, maxBuffer: 1024 * 1024 },
  )
  t.same(JSON.parse(stdout), {
    kept: false,
    control: true,
    raw: 1,
    nads: 500,
    plane: 'data-plane-of-tenant-7',
    tier: 'gold-tier-label-value',
  })
})

t.test('ownString copies a string without changing it', async (t) => {
  const text = `prefix ${'z'.repeat(40)} suffix`
  const slice = text.slice(7, 47)
  t.equal(ownString(slice), slice)
  t.equal(ownString(''), '')
  t.equal(ownString('ünïcode "quoted" \\ \n'), 'ünïcode "quoted" \\ \n')
})
