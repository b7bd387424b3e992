/**
 * Decisions per second of the compiled access policy, with 1,000 rules (and 100 / 10,000 to
 * show that the cost per decision does not grow with rules that cannot apply).
 * Run: npx tsx bench/policy-decide.ts
 */
import { stringify } from 'yaml'
import { compilePolicy } from '../src/policy/compile.js'
import type { PolicyDocument, PolicyRule } from '../src/policy/document.js'
import { parsePolicyText } from '../src/policy/parse.js'
import type { NetworkRef, Subject } from '../src/policy/types.js'

/** A deterministic generator, so runs compare. */
function random(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648
    return s / 2147483648
  }
}

/** A realistic mix: mostly exact networks, some globs and selectors, a few denies. */
function rules(count: number, teams: number): PolicyRule[] {
  const out: PolicyRule[] = []
  for (let i = 0; i < count; i++) {
    const team = `team-${i % teams}`
    const from = { namespaces: { names: [team, `${team}-*`] } }
    const kind = i % 20
    let networks: PolicyRule['networks']
    if (kind < 14) networks = { names: [`infra-${i % 50}/net-${i}`] }
    else if (kind < 16) networks = { names: [`infra-${i % 50}/data-${i}-*`] }
    else if (kind < 18) networks = { names: [`shared-${i}-*/*`] }
    else networks = { selector: { matchLabels: { 'multinet.io/plane': `plane-${i}` } } }
    out.push({
      name: `rule-${i}`,
      action: kind === 19 || kind === 13 ? 'deny' : 'allow',
      networks,
      from,
    })
  }
  return out
}

function workload(count: number, teams: number, rnd: () => number): [Subject, NetworkRef[]][] {
  const cases: [Subject, NetworkRef[]][] = []
  for (let i = 0; i < count; i++) {
    const team = `team-${Math.floor(rnd() * teams)}`
    const subject: Subject = {
      namespace: rnd() < 0.5 ? team : `${team}-web`,
      namespaceLabels: { 'kubernetes.io/metadata.name': team },
      podLabels: { app: 'x' },
      serviceAccount: 'default',
    }
    const n = Math.floor(rnd() * 1000)
    const networks: NetworkRef[] = [
      {
        namespace: `infra-${n % 50}`,
        name: `net-${n}`,
        labels: { 'multinet.io/plane': `plane-${n}` },
      },
      { namespace: subject.namespace, name: 'local', labels: {} },
      { namespace: 'default', name: 'lan', labels: { tier: 'gold' } },
    ]
    cases.push([subject, networks])
  }
  return cases
}

/** Rules per ConfigMap: a policy.yaml is at most 64 KiB (MAX_POLICY_BYTES), so big policies are split. */
const RULES_PER_CONFIGMAP = 200

function run(ruleCount: number): void {
  const teams = 40
  const all = rules(ruleCount, teams)
  const texts: string[] = []
  for (let i = 0; i < all.length; i += RULES_PER_CONFIGMAP) {
    const document: PolicyDocument = {
      apiVersion: 'multinet.io/v1alpha1',
      ...(i === 0 ? { globalNamespaces: ['default'] } : {}),
      rules: all.slice(i, i + RULES_PER_CONFIGMAP),
    }
    texts.push(stringify(document))
  }
  // The first parse includes JIT warm-up of the YAML parser; the second is the steady state.
  let t0 = performance.now()
  for (const text of texts) parsePolicyText(text)
  const coldMs = performance.now() - t0
  t0 = performance.now()
  const documents = texts.map((text, i) => {
    const parsed = parsePolicyText(text)
    if (!parsed.document) throw new Error(parsed.findings.map((f) => f.message).join('\n'))
    return { name: `bench-${String(i).padStart(3, '0')}`, document: parsed.document }
  })
  const parseMs = performance.now() - t0
  t0 = performance.now()
  const policy = compilePolicy(documents)
  const compileMs = performance.now() - t0

  const cases = workload(2000, teams, random(42))
  for (const [s, n] of cases) policy.decide(s, n) // warm-up
  let decisions = 0
  let refused = 0
  t0 = performance.now()
  const until = t0 + 1000
  while (performance.now() < until) {
    for (const [s, n] of cases) {
      for (const d of policy.decide(s, n)) if (!d.allowed) refused++
      decisions += n.length
    }
  }
  const seconds = (performance.now() - t0) / 1000
  const perSecond = Math.round(decisions / seconds)
  console.log(
    `${String(ruleCount).padStart(6)} rules: parse+validate ${parseMs.toFixed(0)} ms (first ${coldMs.toFixed(0)} ms), compile ${compileMs.toFixed(1)} ms, ` +
      `${perSecond.toLocaleString('en-US')} network decisions/s (${(1e6 / perSecond).toFixed(2)} µs each; ${((refused / decisions) * 100).toFixed(0)}% refused)`,
  )
}

for (const count of [100, 1000, 10000]) run(count)
