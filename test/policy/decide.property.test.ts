/**
 * Properties of decide over random policies (rules of every action, tenants with joins and
 * locks, admin entries, physical networks): a deny rule only ever adds refusals and no admin
 * entry gets past one; a grant changes nothing for the pods and networks it does not match and
 * never refuses; the order in which ConfigMaps arrive does not matter.
 */
import fc from 'fast-check'
import t from 'tap'
import { compilePolicy } from '../../src/policy/compile.js'
import { compileRule } from '../../src/policy/compiled-rules.js'
import type {
  PolicyAdmin,
  PolicyDocument,
  PolicyRule,
  PolicyTenant,
} from '../../src/policy/document.js'
import { compileNetworkMatch } from '../../src/policy/network-index.js'
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
  fc.record({ physicalNetworks: fc.subarray(['phy-a', 'phy-b'], { minLength: 1 }) }),
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

const ruleBody = fc
  .record({
    action: fc.constantFrom<PolicyRule['action']>('allow', 'deny', 'grant', 'reserve'),
    mode,
    networks,
    from,
  })
  // As validation requires: a grant is always in force.
  .map((r) => (r.action === 'grant' ? { ...r, mode: undefined } : r))

const grantBody = fc.record({ networks, from }).map((r) => ({ ...r, action: 'grant' as const }))

const tenant = fc.record({
  namespaces: fc.record({ names: fc.subarray(['a', 'b'], { minLength: 1 }) }),
  networks: fc
    .subarray(['infra/n1', 'b/n2'], { minLength: 0 })
    .map((l) => l.map((network) => ({ network }))),
  locked: fc.boolean(),
  mode,
  // Tenant names are t<doc>-0: join those of other documents (or none that exists).
  joins: fc.option(fc.subarray(['t0-0', 't1-0', 't2-0', 'nobody'], { minLength: 1 }), {
    nil: undefined,
  }),
})

const admin = fc.oneof(
  fc.record({ namespaces: fc.record({ names: fc.subarray(['a', 'infra'], { minLength: 1 }) }) }),
  fc.record({ networks }),
)

/** Up to three ConfigMaps with unique rule and tenant names. */
const documents = fc
  .array(
    fc.record({
      mode,
      globals: fc.option(fc.subarray(NAMESPACES), { nil: undefined }),
      rules: fc.array(ruleBody, { maxLength: 5 }),
      tenants: fc.array(tenant, { maxLength: 1 }),
      admins: fc.array(admin, { maxLength: 1 }),
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
        tenants: d.tenants
          .map((tn, j) => {
            const name = `t${i}-${j}`
            const joins = tn.joins?.filter((n) => n !== name)
            const body = { ...withoutUndefined(tn), name } as PolicyTenant
            return joins && joins.length > 0 ? { ...body, joins } : { ...body, joins: undefined }
          })
          .map((tn) => withoutUndefined(tn)),
        admins: d.admins.map((a, j) => ({ ...a, name: `a${i}-${j}` }) as PolicyAdmin),
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

const network: fc.Arbitrary<NetworkRef> = fc
  .record({
    namespace: fc.constantFrom(...NAMESPACES),
    name: fc.constantFrom(...NETS),
    labels,
    physicalNetwork: fc.constantFrom<string | undefined>(undefined, 'phy-a', 'phy-b'),
  })
  .map((r) => withoutUndefined(r) as NetworkRef)

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
  const arrival = documents.chain((docs) =>
    fc.tuple(fc.constant(docs), fc.shuffledSubarray(docs, { minLength: docs.length })),
  )
  fc.assert(
    fc.property(arrival, subject, network, ([docs, shuffled], s, ref) => {
      const first = compilePolicy(docs)
      const other = compilePolicy(shuffled)
      const a = JSON.stringify([first.decide(s, [ref]), first.tenantFor(s), first.findings])
      const b = JSON.stringify([other.decide(s, [ref]), other.tenantFor(s), other.findings])
      if (a !== b) throw new Error(`order changed the decision: ${a} vs ${b}`)
    }),
    { numRuns: 300 },
  )
  t.pass('property held')
})

t.test('a grant never changes the decision for a pod or network it does not match', async (t) => {
  fc.assert(
    fc.property(
      documents,
      grantBody,
      fc.nat(),
      subject,
      fc.array(network, { minLength: 1, maxLength: 3 }),
      (docs, body, where, s: Subject, refs) => {
        const before = compilePolicy(docs).decide(s, refs)
        const grant = { ...body, name: 'added-grant' } as PolicyRule
        const target = docs[where % docs.length]!
        const rules = [...(target.document.rules ?? [])]
        rules.splice(where % (rules.length + 1), 0, grant)
        const changed = docs.map((d) =>
          d === target ? { ...d, document: { ...d.document, rules } } : d,
        )
        const after = compilePolicy(changed).decide(s, refs)
        const matchesPod = compileRule(grant, 0, 'x', 'enforce').subject(s) === undefined
        const matchesNet = compileNetworkMatch(grant.networks)
        before.forEach((b, i) => {
          const a = after[i]!
          if (!matchesPod || !matchesNet(refs[i]!)) {
            if (JSON.stringify(a) !== JSON.stringify(b))
              throw new Error(`a grant changed another pod's decision: ${JSON.stringify([b, a])}`)
          } else if (severity(a) < severity(b)) {
            throw new Error(`a grant refused: ${JSON.stringify([b, a])}`)
          }
        })
      },
    ),
    { numRuns: 500 },
  )
  t.pass('property held')
})

t.test('an admin entry never gets past an enforced deny rule', async (t) => {
  fc.assert(
    fc.property(
      documents,
      subject,
      fc.array(network, { minLength: 1, maxLength: 3 }),
      (docs, s: Subject, refs) => {
        // Every pod here is in an admin namespace, and every network is open to every pod.
        const admins: PolicyAdmin[] = [
          { name: 'everything', namespaces: { names: ['*'] }, networks: { names: ['*/*'] } },
        ]
        const withAdmin = [
          ...docs,
          { name: 'zz-admin', document: { ...docs[0]!.document, rules: [], tenants: [], admins } },
        ]
        const denies = docs.flatMap((d) =>
          (d.document.rules ?? [])
            .filter((r) => r.action === 'deny')
            .map((r) => ({
              rule: compileRule(r, 0, d.name, d.document.mode ?? 'enforce'),
              networks: compileNetworkMatch(r.networks),
            })),
        )
        const decided = compilePolicy(withAdmin).decide(s, refs)
        decided.forEach((d, i) => {
          const deny = denies.find(
            (x) =>
              x.rule.mode === 'enforce' && x.networks(refs[i]!) && x.rule.subject(s) === undefined,
          )
          if (deny && (d.allowed || d.mode !== 'enforce' || d.rule !== `rule/${deny.rule.name}`)) {
            throw new Error(`an admin entry got past ${deny.rule.name}: ${JSON.stringify(d)}`)
          }
          if (!deny && !d.allowed && d.mode === 'enforce' && !d.rule.startsWith('rule/')) {
            throw new Error(`only a deny refuses an admin namespace: ${JSON.stringify(d)}`)
          }
        })
      },
    ),
    { numRuns: 500 },
  )
  t.pass('property held')
})
