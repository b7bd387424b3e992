/**
 * docs/policy.md and the policy test fixtures are one source: every YAML block of the doc is a
 * fixture file (marked `<!-- fixture: x.yaml -->`), every example fixture is in the doc, and the
 * tables of the doc are checked here against the decisions the policy code takes.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { parse } from 'yaml'
import { formatFinding } from '../../src/spec/finding.js'
import { compilePolicy } from '../../src/policy/compile.js'
import { parsePolicyConfigMap } from '../../src/policy/parse.js'
import {
  examplePolicy,
  fixturePath,
  net,
  POLICY_OPTIONS,
  readFixture,
  subject,
  verdict,
} from '../fixtures/policy/helpers.js'

const doc = readFileSync(fileURLToPath(new URL('../../docs/policy.md', import.meta.url)), 'utf8')
const fixtures = readdirSync(fixturePath('.')).filter((f) => f.endsWith('.yaml'))

t.test(
  'every YAML block of docs/policy.md is a fixture file, and every fixture is shown',
  async (t) => {
    const blocks = [...doc.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)]
    const marked = [...doc.matchAll(/^<!-- fixture: ([\w.-]+) -->\n\n```yaml\n([\s\S]*?)^```$/gm)]
    t.equal(marked.length, blocks.length, 'each yaml block carries a fixture marker')
    for (const [, file, body] of marked)
      t.equal(body, readFixture(file!), `${file} in the doc equals the fixture`)
    t.same(marked.map((m) => m[1]).sort(), [...fixtures].sort(), 'every fixture is in the doc')
  },
)

t.test('the error example of the doc is what the parser reports', async (t) => {
  const shown = /^<!-- findings: typos\.yaml -->\n\n```text\n([\s\S]*?)^```$/m.exec(doc)
  t.ok(shown, 'the doc shows the findings of typos.yaml')
  const parsed = parsePolicyConfigMap(parse(readFixture('typos.yaml')), POLICY_OPTIONS)
  t.equal(parsed.document, undefined)
  t.equal(parsed.findings.map(formatFinding).join('\n') + '\n', shown?.[1])
})

t.test('the examples merge cleanly into one policy', async (t) => {
  const docs = fixtures
    .filter((f) => f !== 'typos.yaml')
    .map((f) => {
      const { name, document } = examplePolicy(f)
      return { name, document }
    })
  const merged = compilePolicy(docs)
  t.same(merged.findings, [])
  t.same(merged.sources, [
    '10-nfv',
    '20-tenants',
    '30-storage',
    '40-lab',
    '50-rollout',
    '70-isolated',
    '71-joined',
    '72-admin',
    '73-grants',
    '74-physical',
  ])
  t.same(merged.globalNamespaces, ['default', 'storage', 'shared', 'fabric'])
})

const NFV = { 'multinet.io/workload': 'nfv' }

t.test('NFV: control, data and management planes', async (t) => {
  const { policy } = examplePolicy('nfv.yaml')
  const upf = subject('telco', { nsLabels: NFV, pod: { app: 'upf' } })
  const data = net('nfv-infra/data-a', { 'multinet.io/plane': 'data' })
  t.equal(verdict(policy, upf, net('nfv-infra/control')), 'allowed rule/nfv-control')
  t.equal(verdict(policy, upf, data), 'allowed rule/nfv-data')
  t.equal(verdict(policy, upf, net('nfv-infra/mgmt')), 'allowed rule/nfv-mgmt')
  const [web] = policy.decide(subject('telco', { nsLabels: NFV, pod: { app: 'web' } }), [data])
  t.same([web!.allowed, web!.rule], [false, 'rule/nfv-data'])
  t.match(web!.reason, /the pod's labels do not match its pod selector \(the data plane carries/)
  const [other] = policy.decide(subject('web'), [net('nfv-infra/control')])
  t.match(other!.hint, /add namespace "web" to rule "nfv-control" in ConfigMap "10-nfv"/)
  t.equal(
    verdict(policy, subject('monitoring', { sa: 'metrics-collector' }), net('nfv-infra/mgmt')),
    'allowed rule/nfv-mgmt-monitoring',
  )
  const [mon] = policy.decide(subject('monitoring'), [net('nfv-infra/mgmt')])
  t.same([mon!.rule, mon!.allowed], ['rule/nfv-mgmt', false])
  t.match(mon!.reason, /and 1 other reserving rule/)
  t.equal(
    verdict(policy, subject('nfv-infra'), net('nfv-infra/control')),
    'enforce rule/nfv-control',
  )
  t.equal(verdict(policy, upf, net('nfv-infra/lab')), 'enforce isolation')
})

t.test('a tenant locked to its network', async (t) => {
  const { policy } = examplePolicy('tenant-locked.yaml')
  const acme = subject('acme-web', { nsLabels: { tenant: 'acme' } })
  t.same(policy.tenantFor(acme), {
    tenant: 'acme',
    networks: [{ namespace: 'tenants', name: 'acme-net', interface: 'acme0' }],
    locked: true,
  })
  t.equal(verdict(policy, acme, net('tenants/acme-net')), 'allowed tenant/acme')
  t.equal(verdict(policy, acme, net('default/storage')), 'enforce tenant/acme')
  t.equal(verdict(policy, acme, net('acme-web/own')), 'enforce tenant/acme')
  const globex = subject('globex-api')
  t.same(policy.tenantFor(globex), {
    tenant: 'globex',
    networks: [{ namespace: 'tenants', name: 'globex-net' }],
    locked: false,
  })
  t.equal(verdict(policy, globex, net('tenants/globex-net')), 'allowed tenant/globex')
  t.equal(verdict(policy, globex, net('default/storage')), 'allowed isolation')
  t.equal(policy.tenantFor(subject('initech')), undefined)
  t.equal(verdict(policy, subject('initech'), net('tenants/acme-net')), 'enforce isolation')
})

t.test('a shared global storage network', async (t) => {
  const { policy } = examplePolicy('global-storage.yaml')
  t.equal(verdict(policy, subject('web'), net('storage/san')), 'allowed isolation')
  t.equal(verdict(policy, subject('web'), net('default/lan')), 'allowed isolation')
  t.equal(verdict(policy, subject('web'), net('storage/backup')), 'enforce rule/backup-network')
  t.equal(
    verdict(policy, subject('db', { sa: 'backup-agent' }), net('storage/backup')),
    'allowed rule/backup-network',
  )
  t.equal(verdict(policy, subject('storage'), net('storage/backup')), 'enforce rule/backup-network')
})

t.test('a deny that overrides', async (t) => {
  const { policy } = examplePolicy('deny-override.yaml')
  const research = subject('research', { nsLabels: { team: 'research' } })
  const sandbox = subject('sandbox')
  t.equal(verdict(policy, research, net('lab/gpu')), 'allowed rule/lab-networks')
  t.equal(verdict(policy, sandbox, net('lab/gpu')), 'enforce rule/lab-networks')
  t.equal(
    verdict(policy, subject('prod-payments', { nsLabels: { team: 'payments' } }), net('lab/gpu')),
    'enforce rule/no-lab-in-prod',
  )
  t.equal(
    verdict(
      policy,
      subject('finance', { nsLabels: { team: 'finance' } }),
      net('shared/finance-db'),
    ),
    'allowed isolation',
  )
  t.equal(
    verdict(policy, research, net('shared/finance-db')),
    'enforce rule/finance-db-only-finance',
  )
  t.equal(
    verdict(policy, sandbox, net('shared/finance-db')),
    'enforce rule/finance-db-only-finance',
  )
  t.equal(verdict(policy, research, net('shared/wiki')), 'allowed isolation')
})

t.test('rolling a rule out: warn, then enforce', async (t) => {
  const { policy } = examplePolicy('staged-rollout.yaml')
  t.equal(
    verdict(policy, subject('ml', { pod: { 'multinet.io/gpu': 'true' } }), net('fabric/gpu')),
    'allowed isolation',
  )
  t.equal(verdict(policy, subject('ml'), net('fabric/gpu')), 'warn rule/gpu-fabric')
  t.equal(verdict(policy, subject('legacy'), net('legacy/vlan-100')), 'audit rule/legacy-vlan')
  t.equal(verdict(policy, subject('web'), net('legacy/vlan-100')), 'enforce isolation')
})

/** The three tenant examples together, as an administrator would apply them. */
function tenantModel() {
  const docs = ['tenants-isolated.yaml', 'tenants-joined.yaml', 'tenants-admin.yaml'].map((f) => {
    const { name, document } = examplePolicy(f)
    return { name, document }
  })
  const policy = compilePolicy(docs)
  return { policy, docs }
}

const RED = { 'multinet.io/tenant': 'red' }
const BLUE = { 'multinet.io/tenant': 'blue' }

t.test('isolated tenants', async (t) => {
  const { policy } = examplePolicy('tenants-isolated.yaml')
  const red = subject('red-shop', { nsLabels: RED })
  t.same(policy.tenantFor(red), {
    tenant: 'red',
    networks: [{ namespace: 'tenant-nets', name: 'red', interface: 'tenant0' }],
    locked: true,
  })
  t.equal(verdict(policy, red, net('tenant-nets/red')), 'allowed tenant/red')
  t.equal(verdict(policy, red, net('tenant-nets/blue')), 'enforce tenant/red')
  t.equal(verdict(policy, red, net('default/lan')), 'enforce tenant/red')
  const blue = subject('blue-crm', { nsLabels: BLUE })
  t.equal(verdict(policy, blue, net('tenant-nets/red')), 'enforce tenant/blue')
  t.equal(verdict(policy, subject('web'), net('tenant-nets/red')), 'enforce isolation')
})

t.test('joined tenants', async (t) => {
  const { policy } = examplePolicy('tenants-joined.yaml')
  const green = subject('green-app')
  t.same(policy.tenantFor(green)?.networks, [{ namespace: 'tenant-nets', name: 'green' }])
  t.equal(verdict(policy, green, net('tenant-nets/green')), 'allowed tenant/green')
  t.equal(verdict(policy, green, net('tenant-nets/yellow')), 'allowed tenant/green')
  const [joined] = policy.decide(green, [net('tenant-nets/yellow')])
  t.match(joined!.reason, /a network of tenant "yellow", which tenant "green" joins/)
  t.equal(verdict(policy, subject('yellow-db'), net('tenant-nets/green')), 'allowed tenant/yellow')
  t.equal(verdict(policy, green, net('tenant-nets/red')), 'enforce tenant/green')
  const reporting = subject('reporting')
  t.equal(verdict(policy, reporting, net('tenant-nets/green')), 'allowed tenant/reporting')
  t.equal(verdict(policy, reporting, net('tenant-nets/yellow')), 'enforce tenant/reporting')
  const [chained] = policy.decide(reporting, [net('tenant-nets/yellow')])
  t.match(
    chained!.reason,
    /locked to its own networks \(none\), and those of the tenants it joins \(tenant "green": tenant-nets\/green\)/,
  )
  t.same(policy.findings, [])
})

t.test('admin namespaces and networks open to every pod', async (t) => {
  const { policy } = tenantModel()
  t.same(policy.findings, [])
  const ops = subject('ops')
  t.equal(verdict(policy, ops, net('tenant-nets/red')), 'allowed admin/ops')
  t.equal(verdict(policy, ops, net('tenant-nets/blue')), 'allowed admin/ops')
  t.equal(verdict(policy, subject('monitoring'), net('tenant-nets/red')), 'allowed admin/ops')
  t.equal(
    verdict(policy, subject('monitoring'), net('tenant-nets/blue')),
    'enforce rule/no-monitoring-on-blue',
  )
  const red = subject('red-shop', { nsLabels: RED })
  t.equal(verdict(policy, red, net('ops/services')), 'allowed admin/shared-services')
  t.equal(
    verdict(policy, subject('green-app'), net('ops/services')),
    'allowed admin/shared-services',
  )
  t.equal(verdict(policy, red, net('ops/tools')), 'enforce tenant/red')
  t.equal(verdict(policy, subject('web'), net('tenant-nets/red')), 'enforce isolation')
  const [d] = policy.decide(ops, [net('tenant-nets/red')])
  t.match(d!.reason, /namespace "ops" is an admin namespace of "ops" \(ConfigMap "72-admin"\)/)
})

t.test('grants and reservations', async (t) => {
  const { policy } = examplePolicy('grants.yaml')
  t.equal(verdict(policy, subject('cache'), net('cache/redis-net')), 'allowed isolation')
  t.equal(verdict(policy, subject('web'), net('cache/redis-net')), 'allowed rule/web-uses-cache')
  t.equal(verdict(policy, subject('api'), net('cache/redis-net')), 'enforce isolation')
  const hpc = subject('hpc-sim', { nsLabels: { team: 'hpc' } })
  t.equal(verdict(policy, hpc, net('hpc/infiniband')), 'allowed rule/infiniband-hpc')
  t.equal(
    verdict(policy, subject('bench', { sa: 'runner' }), net('hpc/infiniband')),
    'allowed rule/bench-on-infiniband',
  )
  t.equal(verdict(policy, subject('hpc'), net('hpc/infiniband')), 'enforce rule/infiniband-hpc')
  const [r] = policy.decide(subject('hpc'), [net('hpc/infiniband')])
  t.match(r!.reason, /reserved by reserve rule "infiniband-hpc" in ConfigMap "73-grants"/)
})

t.test('physical networks in network selectors', async (t) => {
  const { policy } = examplePolicy('physical-networks.yaml')
  const onData = (ref: string) => ({ ...net(ref), physicalNetwork: 'phy-data' })
  const telco = subject('telco', { nsLabels: NFV })
  t.equal(verdict(policy, telco, onData('telco/sriov-a')), 'allowed rule/phy-data-nfv-only')
  t.equal(verdict(policy, telco, onData('nfv-infra/uplink')), 'allowed rule/phy-data-nfv-only')
  t.equal(verdict(policy, subject('web'), onData('web/fast')), 'enforce rule/phy-data-nfv-only')
  t.equal(verdict(policy, subject('web'), net('web/lan')), 'allowed isolation')
  t.equal(
    verdict(policy, subject('web'), { ...net('web/mgmt'), physicalNetwork: 'phy-mgmt' }),
    'allowed isolation',
  )
})
