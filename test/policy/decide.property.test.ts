/**
 * Properties of decide over random policies: a deny rule only ever adds refusals, and the order
 * in which ConfigMaps arrive does not matter.
 */
import fc from 'fast-check'
import t from 'tap'
import { compilePolicy } from '../../src/policy/compile.js'
import type { PolicyDocument, PolicyRule, PolicyTenant } from '../../src/policy/document.js'
import type { Decision, Mode, NetworkRef, Subject } from '../../src/policy/types.js'

const NAMESPACES = ['a', 'b', 'default', 'infra']
const NETS = ['n1', 'n2']
const RANK: Record<Mode, number> = { enforce: 0, warn: 1, audit: 2 }

const mode = fc.constantFrom<Mode | undefined>(undefined, 'enforce', 'warn', 'audit')
const labels = fc.dictionary(fc.constantFrom('tier', 'app'), fc.constantFrom('gold', 'x'), {
  maxKeys: 2,
})

const networks = fc.oneof(
  fc.record({
    names: fc.array(fc.constantFrom('a/n1', 'infra/*', '*/n2', 'inf*/n1', '*/*', 'default/n1'), {
      minLength: 1,
      maxLength: 2,
    }),
  }),
  fc.record({ selector: fc.record({ matchLabels: fc.constant({ tier: 'gold' }) }) }),
  fc.record({
    names: fc.constant(['infra/*']),
    selector: fc.record({
      matchExpressions: fc.constant([
        { key: 'tier', operator: 'NotIn' as const, values: ['gold'] },
      ]),
    }),
  }),
)

const from = fc.oneof(
  fc.record({
    namespaces: fc.record({ names: fc.subarray(['a', 'b', 'i*', '*'], { minLength: 1 }) }),
  }),
  fc.record({
    pods: fc.record({ selector: fc.record({ matchLabels: fc.constant({ app: 'x' }) }) }),
  }),
  fc.record({ serviceAccounts: fc.subarray(['*/sa', 'a/default'], { minLength: 1 }) }),
)

const ruleBody = fc.record({
  action: fc.constantFrom<'allow' | 'deny'>('allow', 'deny'),
  mode,
  networks,
  from,
})

const tenant = fc.record({
  namespaces: fc.record({ names: fc.subarray(['a', 'b'], { minLength: 1 }) }),
  networks: fc
    .subarray(['infra/n1', 'b/n2'], { minLength: 0 })
    .map((l) => l.map((network) => ({ network }))),
  locked: fc.boolean(),
  mode,
})

/** Up to three ConfigMaps with unique rule and tenant names. */
const documents = fc
  .array(
    fc.record({
      mode,
      globals: fc.option(fc.subarray(NAMESPACES), { nil: undefined }),
      rules: fc.array(ruleBody, { maxLength: 5 }),
      tenants: fc.array(tenant, { maxLength: 1 }),
    }),
    { minLength: 1, maxLength: 3 },
  )
  .map((docs) =>
    docs.map((d, i) => {
      const document: PolicyDocument = {
        apiVersion: 'multinet.io/v1alpha1',
        ...(d.mode ? { mode: d.mode } : {}),
        ...(d.globals ? { globalNamespaces: d.globals } : {}),
        rules: d.rules.map(
          (r, j) => ({ ...withoutUndefined(r), name: `r${i}-${j}` }) as PolicyRule,
        ),
        tenants: d.tenants.map(
          (tn, j) => ({ ...withoutUndefined(tn), name: `t${i}-${j}` }) as PolicyTenant,
        ),
      }
      return { name: `cm-${i}`, document }
    }),
  )

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}

const subject = fc.record({
  namespace: fc.constantFrom(...NAMESPACES),
  namespaceLabels: fc.constant({}),
  podLabels: labels,
  serviceAccount: fc.constantFrom('default', 'sa'),
})

const network: fc.Arbitrary<NetworkRef> = fc.record({
  namespace: fc.constantFrom(...NAMESPACES),
  name: fc.constantFrom(...NETS),
  labels,
})

/** What admission makes of a decision: refused (enforce), admitted with a warning, logged, or not. */
const severity = (d: Decision): number => (d.allowed ? 3 : RANK[d.mode])

t.test('adding a deny rule never turns a denial into an allow, nor softens it', async (t) => {
  fc.assert(
    fc.property(
      documents,
      ruleBody,
      fc.nat(),
      subject,
      fc.array(network, { minLength: 1, maxLength: 3 }),
      (docs, extra, where, s: Subject, refs) => {
        const before = compilePolicy(docs).decide(s, refs)
        const target = docs[where % docs.length]!
        const deny = {
          ...withoutUndefined(extra),
          action: 'deny',
          name: 'added-deny',
        } as PolicyRule
        const rules = [...(target.document.rules ?? [])]
        rules.splice(where % (rules.length + 1), 0, deny)
        const changed = docs.map((d) =>
          d === target ? { ...d, document: { ...d.document, rules } } : d,
        )
        const after = compilePolicy(changed).decide(s, refs)
        before.forEach((b, i) => {
          const a = after[i]!
          if (!b.allowed && a.allowed)
            throw new Error(`denial became allow: ${JSON.stringify([b, a])}`)
          if (severity(a) > severity(b))
            throw new Error(`refusal softened: ${JSON.stringify([b, a])}`)
        })
      },
    ),
    { numRuns: 500 },
  )
  t.pass('property held')
})

t.test('decisions do not depend on the order ConfigMaps arrive in', async (t) => {
  fc.assert(
    fc.property(documents, subject, network, (docs, s, ref) => {
      const forward = compilePolicy(docs).decide(s, [ref])
      const backward = compilePolicy([...docs].reverse()).decide(s, [ref])
      if (JSON.stringify(forward) !== JSON.stringify(backward))
        throw new Error('order changed the decision')
    }),
    { numRuns: 200 },
  )
  t.pass('property held')
})
