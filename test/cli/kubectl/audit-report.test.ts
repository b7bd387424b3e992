import t from 'tap'
import type { Outcome } from '../../../src/admission/handle.js'
import { AuditCollector, deciderOf, formatAudit } from '../../../src/cli/kubectl/audit-report.js'

const outcome = (o: Partial<Outcome>): Outcome => ({
  uid: 'u',
  endpoint: 'validate',
  kind: 'Pod',
  resource: 'pods',
  operation: 'CREATE',
  namespace: 'app',
  name: 'p',
  allowed: true,
  deniedBy: [],
  reasons: [],
  warnings: [],
  patched: false,
  audits: [],
  explain: [],
  ...o,
})
const refusedBy = (rule: string, net = 'infra/shared', i = 0): string =>
  `networks[${i}]: network ${net} refused by ${rule}: because; ask [policy.denied]`

t.test('what refused: the deciding rule of a policy refusal, else the rule code', async (t) => {
  t.equal(deciderOf(refusedBy('rule/shared-for-lab')), 'rule/shared-for-lab')
  t.equal(deciderOf(refusedBy('tenant/acme')), 'tenant/acme')
  t.equal(deciderOf(refusedBy('isolation')), 'isolation')
  t.equal(
    deciderOf(
      'networks[0]: NetworkAttachmentDefinition infra/nope does not exist; create it first [pod.nad-missing]',
    ),
    'pod.nad-missing',
  )
  t.equal(deciderOf('no code at all'), 'other')
})

t.test(
  'refusals grouped by rule, biggest group first, enforce before warn and audit',
  async (t) => {
    const c = new AuditCollector()
    c.add('app', 'web-2', outcome({ allowed: false, reasons: [refusedBy('rule/lab')] }))
    c.add('app', 'web-1', outcome({ allowed: false, reasons: [refusedBy('rule/lab')] }))
    c.add(
      'app',
      'dpdk-1',
      outcome({
        allowed: false,
        // One pod, two refused networks by two deciders: it counts once, in both groups.
        reasons: [
          refusedBy('isolation', 'infra/sriov-a'),
          refusedBy('rule/lab', 'infra/shared', 1),
        ],
      }),
    )
    c.add('lab', 'ok', outcome({}))
    c.add(
      'ml',
      'trainer',
      outcome({
        warnings: [
          refusedBy('rule/gpu-fabric', 'fabric/gpu'),
          'metadata.namespace: the labels of namespace ml are not known [pod.namespace-unknown]',
        ],
      }),
    )
    c.add('legacy', 'old', outcome({ audits: ['rule/legacy-vlan', 'rule/legacy-vlan'] }))
    const s = c.summary()
    t.equal(s.checked, 6)
    t.equal(s.refused, 3)
    t.same(
      s.groups.map((g) => [g.mode, g.by, g.pods.map((p) => `${p.namespace}/${p.name}`)]),
      [
        ['enforce', 'rule/lab', ['app/dpdk-1', 'app/web-1', 'app/web-2']],
        ['enforce', 'isolation', ['app/dpdk-1']],
        ['warn', 'rule/gpu-fabric', ['ml/trainer']],
        ['audit', 'rule/legacy-vlan', ['legacy/old']],
      ],
    )
    const text = formatAudit(s, 'policy ConfigMaps 10-base (live)')
    t.equal(
      text,
      [
        'Audited 6 pods against policy ConfigMaps 10-base (live).',
        '3 pods would be refused.',
        '',
        'rule/lab [enforce]: 3 pods would be REFUSED',
        `  app/dpdk-1: ${refusedBy('rule/lab', 'infra/shared', 1)}`,
        `  app/web-1: ${refusedBy('rule/lab')}`,
        `  app/web-2: ${refusedBy('rule/lab')}`,
        '',
        'isolation [enforce]: 1 pod would be REFUSED',
        `  app/dpdk-1: ${refusedBy('isolation', 'infra/sriov-a')}`,
        '',
        'rule/gpu-fabric [warn]: 1 pod would be admitted with a warning',
        `  ml/trainer: ${refusedBy('rule/gpu-fabric', 'fabric/gpu')}`,
        '',
        'rule/legacy-vlan [audit]: 1 pod would be admitted, logged by an audit-mode rule',
        '  legacy/old: refused in audit mode by rule/legacy-vlan',
        '',
      ].join('\n'),
    )
  },
)

t.test('with a proposal: the refusals the change causes are marked new', async (t) => {
  const c = new AuditCollector()
  c.add('app', 'old', outcome({ allowed: false, reasons: [refusedBy('isolation')] }), false)
  c.add('app', 'web', outcome({ allowed: false, reasons: [refusedBy('isolation')] }), true)
  c.add('app', 'ok', outcome({}), true)
  const s = c.summary()
  t.equal(s.newlyRefused, 1)
  t.same(s.groups[0]?.pods, [
    { namespace: 'app', name: 'old', reasons: [refusedBy('isolation')] },
    { namespace: 'app', name: 'web', reasons: [refusedBy('isolation')], new: true },
  ])
  t.equal(
    formatAudit(s, 'x'),
    [
      'Audited 3 pods against x.',
      '2 pods would be refused, 1 of them (new) admitted by the live policy.',
      '',
      'isolation [enforce]: 2 pods would be REFUSED',
      `  app/old: ${refusedBy('isolation')}`,
      `  app/web (new): ${refusedBy('isolation')}`,
      '',
    ].join('\n'),
  )
  t.equal(new AuditCollector().summary().newlyRefused, undefined)
})

t.test('nothing refused', async (t) => {
  const c = new AuditCollector()
  c.add('a', 'b', outcome({}))
  t.equal(formatAudit(c.summary(), 'x'), 'Audited 1 pod against x.\nNo pod would be refused.\n')
  const one = new AuditCollector()
  one.add('a', 'b', outcome({ allowed: false, reasons: [refusedBy('isolation')] }))
  t.match(formatAudit(one.summary(), 'x'), /\n1 pod would be refused\.\n/)
})
