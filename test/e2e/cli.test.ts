/**
 * `kubectl multinet` against a real kube-apiserver: NADs, namespaces, a live policy, nodes with
 * the agent's physical-network labels and device capacity, pods whose network-status the agent
 * identity wrote; then every view, explain (the same text as `multinet review -o text` over the
 * same objects as manifests) and audit with a proposed policy that refuses some pods. A user
 * with read access to pods, NADs, nodes and the policy namespace only runs every command; a
 * user with none, and a cluster that is not there, get errors that say what to do. Set
 * MULTINET_E2E_PRINT=1 to see each command's output (docs/cli.md shows it).
 */
import {
  CoreV1Api,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  type V1Pod,
} from '@kubernetes/client-node'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { stringify } from 'yaml'
import { main } from '../../src/cli/main.js'
import { captureIo, withoutCoverage } from '../fixtures/cli/io.js'
import { withControlPlane } from '../fixtures/e2e/control-plane.js'
import { createNad, grantClusterRole } from '../fixtures/e2e/kube.js'
import { NAD } from './crd.js'
import { AGENT_USER, kubeconfigYaml } from './identities.js'
import { freePort } from './net.js'

const POLICY_NS = 'multinet-system'
const PRINT = process.env.MULTINET_E2E_PRINT === '1'
const BIN = join(import.meta.dirname, '../../bin/kubectl-multinet.js')
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch)

const cp = await withControlPlane(t)
const admin = cp.kubeConfig('admin')
const core = admin.makeApiClient(CoreV1Api)
const dir = mkdtempSync(join(tmpdir(), 'multinet-cli-e2e-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
/** Writes a file into the commands' working directory; returns its name, as a user types it. */
const file = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text)
  return name
}

// --- the cluster -------------------------------------------------------------------------
const namespaces = {
  app: { team: 'app' },
  lab: { team: 'lab' },
  infra: {},
  [POLICY_NS]: {},
}
for (const [name, labels] of Object.entries(namespaces)) {
  await core.createNamespace({ body: { metadata: { name, labels } } })
}
const nads = [
  {
    ns: 'infra',
    name: 'shared',
    annotations: { 'multinet.io/physical-network': 'datacenter' },
    config: { cniVersion: '1.0.0', name: 'shared', type: 'bridge', bridge: 'br-shared' },
  },
  {
    ns: 'infra',
    name: 'sriov-a',
    annotations: {
      'k8s.v1.cni.cncf.io/resourceName': 'example.com/sriov_a',
      'k8s.v1.cni.cncf.io/nodeSelector': 'example.com/nic=a',
    },
    config: { cniVersion: '1.0.0', name: 'sriov-a', type: 'host-device' },
  },
  {
    ns: 'app',
    name: 'own',
    annotations: {},
    config: {
      cniVersion: '1.0.0',
      name: 'own',
      plugins: [{ type: 'macvlan', master: 'eth0' }, { type: 'tuning' }],
    },
  },
]
const nadManifests = nads.map((n) => ({
  apiVersion: NAD.apiVersion,
  kind: NAD.kind,
  metadata: { name: n.name, namespace: n.ns, annotations: n.annotations },
  spec: { config: JSON.stringify(n.config) },
}))
for (const m of nadManifests) await createNad(admin, m.metadata.namespace, m)

const livePolicy = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: '10-base', namespace: POLICY_NS, labels: { 'multinet.io/policy': 'true' } },
  data: {
    'policy.yaml': 'apiVersion: multinet.io/v1alpha1\nglobalNamespaces: [default, infra]\n',
  },
}
await core.createNamespacedConfigMap({ namespace: POLICY_NS, body: livePolicy })

for (const [name, labels, sriov] of [
  ['node-a', { 'physnet.multinet.io/datacenter': 'true', 'example.com/nic': 'a' }, '8'],
  ['node-b', { 'physnet.multinet.io/storage': 'true' }, undefined],
] as const) {
  await core.createNode({ body: { metadata: { name, labels } } })
  const capacity = {
    cpu: '4',
    memory: '8Gi',
    pods: '110',
    ...(sriov && { 'example.com/sriov_a': sriov }),
  }
  await core.patchNodeStatus(
    {
      name,
      body: {
        status: {
          capacity,
          allocatable: capacity,
          conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'e2e' }],
        },
      },
    },
    merge,
  )
}

const pod = (
  ns: string,
  name: string,
  networks: string | undefined,
  node: string,
  requests: Record<string, string> = {},
): V1Pod => ({
  metadata: {
    name,
    namespace: ns,
    labels: { app: name.replace(/-\d+$/, '') },
    ...(networks && { annotations: { 'k8s.v1.cni.cncf.io/networks': networks } }),
  },
  spec: {
    nodeName: node,
    containers: [
      {
        name: 'c',
        image: 'registry.example/app:1',
        ...(Object.keys(requests).length > 0 && { resources: { requests, limits: requests } }),
      },
    ],
  },
})
const pods = [
  pod('app', 'web-1', 'infra/shared', 'node-a'),
  pod('app', 'web-2', 'infra/shared,own', 'node-a'),
  pod('app', 'dpdk-1', 'infra/sriov-a', 'node-a', { 'example.com/sriov_a': '2' }),
  pod('app', 'plain', undefined, 'node-b'),
  pod('lab', 'tester-1', 'infra/shared', 'node-b'),
]
for (const p of pods) await core.createNamespacedPod({ namespace: p.metadata!.namespace!, body: p })

// What the agent reports: running pods with their attachments (dpdk-1 is still Pending).
await grantClusterRole(
  admin,
  'multinet-agent-e2e',
  [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'patch'] }],
  [{ kind: 'User', name: AGENT_USER, apiGroup: 'rbac.authorization.k8s.io' }],
)
const agentCore = cp.kubeConfig('agent').makeApiClient(CoreV1Api)
const cluster = (ip: string) => ({ name: 'cbr0', interface: 'eth0', ips: [ip], default: true })
const status: Record<string, object[]> = {
  'app/web-1': [
    cluster('10.244.0.11'),
    {
      name: 'infra/shared',
      interface: 'net1',
      ips: ['192.168.10.11/24'],
      mac: '02:00:5e:10:00:11',
    },
  ],
  // web-2's second attachment (app/own) is not reported: the table flags it.
  'app/web-2': [
    cluster('10.244.0.12'),
    {
      name: 'infra/shared',
      interface: 'net1',
      ips: ['192.168.10.12/24'],
      mac: '02:00:5e:10:00:12',
    },
  ],
  'lab/tester-1': [
    cluster('10.244.1.21'),
    {
      name: 'infra/shared',
      interface: 'net1',
      ips: ['192.168.10.21/24'],
      mac: '02:00:5e:10:00:21',
    },
  ],
}
for (const [key, entries] of Object.entries(status)) {
  const [namespace, name] = key.split('/') as [string, string]
  await core.patchNamespacedPodStatus(
    { name, namespace, body: { status: { phase: 'Running' } } },
    merge,
  )
  await agentCore.patchNamespacedPod(
    {
      name,
      namespace,
      body: {
        metadata: {
          annotations: { 'k8s.v1.cni.cncf.io/network-status': JSON.stringify(entries, null, 4) },
        },
      },
    },
    merge,
  )
}
await core.patchNamespacedPodStatus(
  { name: 'plain', namespace: 'app', body: { status: { phase: 'Running' } } },
  merge,
)

// --- running the plugin ----------------------------------------------------------------
interface Run {
  code: number
  stdout: string
  stderr: string
}

async function run(args: string[], env: Record<string, string>, stdin = ''): Promise<Run> {
  const io = captureIo(stdin, dir, env)
  const code = await main(args, io.io)
  const out = { code, stdout: io.stdout(), stderr: io.stderr() }
  if (PRINT) {
    process.stderr.write(
      `\n$ kubectl multinet ${args.join(' ')}\n${out.stdout}${out.stderr}(exit ${code})\n`,
    )
  }
  return out
}
const adminEnv = { KUBECONFIG: cp.kubeconfigFor('admin') }

t.test(
  'pods: selections next to network-status, unreported and pending ones flagged',
  async (t) => {
    const r = await run(['pods', '-A'], adminEnv)
    t.equal(r.code, 0)
    t.equal(r.stderr, '')
    t.equal(
      r.stdout,
      `NAMESPACE   POD        NETWORK         INTERFACE   IPS                MAC                 ROUTE     STATUS
app         dpdk-1     infra/sriov-a   <none>      <none>             <none>              <none>    waiting
app         web-1      infra/shared    net1        192.168.10.11/24   02:00:5e:10:00:11   <none>    attached
app         web-1      cbr0            eth0        10.244.0.11        <none>              default   cluster-default
app         web-2      infra/shared    net1        192.168.10.12/24   02:00:5e:10:00:12   <none>    attached
app         web-2      app/own         <none>      <none>             <none>              <none>    no-status
app         web-2      cbr0            eth0        10.244.0.12        <none>              default   cluster-default
lab         tester-1   infra/shared    net1        192.168.10.21/24   02:00:5e:10:00:21   <none>    attached
lab         tester-1   cbr0            eth0        10.244.1.21        <none>              default   cluster-default
`,
    )
    const one = await run(['pods', '-n', 'lab', '--no-headers', '-o', 'wide'], adminEnv)
    t.equal(
      one.stdout,
      `tester-1   infra/shared   net1   192.168.10.21/24   02:00:5e:10:00:21   <none>    attached          networks[0]      node-b   Running   <none>
tester-1   cbr0           eth0   10.244.1.21        <none>              default   cluster-default   network-status   node-b   Running   <none>
`,
    )
    const json = await run(['pods', '-l', 'app=web', '-n', 'app', '-o', 'json'], adminEnv)
    const list = JSON.parse(json.stdout) as {
      kind: string
      items: { pod: string; state: string }[]
    }
    t.equal(list.kind, 'PodNetworkList')
    t.same(
      list.items.map((i) => `${i.pod} ${i.state}`),
      [
        'web-1 attached',
        'web-1 cluster-default',
        'web-2 attached',
        'web-2 no-status',
        'web-2 cluster-default',
      ],
    )
    const none = await run(['pods', '-n', POLICY_NS], adminEnv)
    t.equal(none.stdout, '')
    t.equal(none.stderr, `No pods with networks found in ${POLICY_NS} namespace.\n`)
  },
)

t.test(
  'networks: plugins, devices, physical network, access under the live policy, pods',
  async (t) => {
    const r = await run(['networks', '-A'], adminEnv)
    t.equal(r.code, 0)
    t.equal(
      r.stdout,
      `NAMESPACE   NAME      PLUGINS          RESOURCE              PHYSNET      NODE-SELECTOR       ACCESS                 PODS
app         own       macvlan,tuning   <none>                <none>       <none>              own-namespace          1
infra       shared    bridge           <none>                datacenter   <none>              global,own-namespace   3
infra       sriov-a   host-device      example.com/sriov_a   <none>       example.com/nic=a   global,own-namespace   1
`,
    )
    const wide = await run(['networks', '-n', 'infra', '-o', 'wide'], adminEnv)
    t.match(wide.stdout, /^NAME +PLUGINS .* PODS +ATTACHED +REFUSED-BY\n/)
    t.match(wide.stdout, /\nshared +bridge .* 3 +3 +<none>\n/)
    const yaml = await run(['networks', '-n', 'app', '-o', 'yaml'], adminEnv)
    t.match(yaml.stdout, /kind: NetworkList\n/)
    t.match(yaml.stdout, /own-namespace:\n\s+- app\n/)
  },
)

t.test('nodes: physical networks and device capacity / allocatable / requested', async (t) => {
  const r = await run(['nodes'], adminEnv)
  t.equal(r.code, 0)
  t.equal(
    r.stdout,
    `NAME     STATUS   PHYSICAL-NETWORKS   DEVICES(CAPACITY/ALLOCATABLE/REQUESTED)
node-a   Ready    datacenter          example.com/sriov_a=8/8/2
node-b   Ready    storage             <none>
`,
  )
  const sel = await run(
    ['nodes', '-l', 'physnet.multinet.io/storage=true', '--no-headers'],
    adminEnv,
  )
  t.equal(sel.stdout, 'node-b   Ready   storage   <none>\n')
})

// The same objects as a folder of manifests, for `multinet review --state`.
const stateDir = join(dir, 'state')
const manifests = [
  ...Object.entries(namespaces).map(([name, labels]) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels },
  })),
  ...nadManifests,
  livePolicy,
]
{
  const { mkdirSync } = await import('node:fs')
  mkdirSync(stateDir)
  writeFileSync(join(stateDir, 'all.yaml'), manifests.map((m) => stringify(m)).join('---\n'))
}
const newPod = file(
  'new-pod.yaml',
  stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'dpdk-2',
      namespace: 'app',
      annotations: { 'k8s.v1.cni.cncf.io/networks': 'infra/sriov-a,infra/shared' },
    },
    spec: { containers: [{ name: 'c', image: 'registry.example/app:1' }] },
  }),
)

t.test('explain -f: exactly what multinet review -o text says over the same objects', async (t) => {
  const live = await run(['explain', '-f', newPod], adminEnv)
  const offline = await run(['review', '-f', newPod, '--state', 'state', '-o', 'text'], {})
  t.equal(live.code, 0)
  t.equal(offline.code, 0)
  t.equal(live.stdout, offline.stdout)
  t.match(live.stdout, /^Pod app\/dpdk-2: ALLOWED\n/)
  t.match(live.stdout, /infra\/sriov-a \(networks\[0\]\): allowed by isolation/)
  t.match(live.stdout, /example\.com~1sriov_a|example.com\/sriov_a/)
  const json = await run(
    ['explain', '-f', '-', '-o', 'json'],
    adminEnv,
    await readText(join(dir, newPod)),
  )
  t.equal((JSON.parse(json.stdout) as { response: { allowed: boolean } }).response.allowed, true)
})

t.test('explain pod/NAME: the decision for a pod that exists, as if created now', async (t) => {
  const r = await run(['explain', 'pod/web-2', '-n', 'app'], adminEnv)
  t.equal(r.code, 0)
  t.match(r.stdout, /^Pod app\/web-2: ALLOWED\n/)
  t.match(r.stdout, /infra\/shared \(networks\[0\]\): allowed by isolation/)
  t.match(r.stdout, /app\/own \(networks\[1\]\): allowed by isolation/)
  const missing = await run(['explain', 'pod/nope', '-n', 'app'], adminEnv)
  t.equal(missing.code, 3)
  t.match(missing.stderr, /^error: not found: pod nope in namespace app \(list them with/)
  const bad = await run(['explain', 'deployment/x'], adminEnv)
  t.equal(bad.code, 2)
  t.match(bad.stderr, /name a pod as pod\/NAME/)
  const nadMissing = file(
    'missing-nad.yaml',
    stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'lost', annotations: { 'k8s.v1.cni.cncf.io/networks': 'infra/nope' } },
      spec: { containers: [{ name: 'c', image: 'x' }] },
    }),
  )
  const denied = await run(['explain', '-f', nadMissing, '-n', 'app'], adminEnv)
  t.equal(denied.code, 1)
  t.match(denied.stdout, /DENIED/)
  t.match(denied.stdout, /NetworkAttachmentDefinition infra\/nope does not exist; create it first/)
})

const proposed = file(
  'proposed.yaml',
  [
    stringify({
      ...livePolicy,
      data: {
        'policy.yaml': `apiVersion: multinet.io/v1alpha1
globalNamespaces: [default]
rules:
  - name: shared-for-lab
    description: the shared segment is the lab's
    action: allow
    networks: { names: [infra/shared] }
    from: { namespaces: { names: [lab] } }
`,
      },
    }),
    stringify({
      ...livePolicy,
      metadata: { ...livePolicy.metadata, name: '20-watch' },
      data: {
        'policy.yaml': `apiVersion: multinet.io/v1alpha1
mode: audit
rules:
  - name: who-uses-own
    action: deny
    networks: { names: [app/own] }
    from: { namespaces: { names: ["*"] } }
`,
      },
    }),
  ].join('---\n'),
)

t.test('audit: the live policy refuses nobody; the proposal refuses three pods', async (t) => {
  const live = await run(['audit'], adminEnv)
  t.equal(live.code, 0)
  t.equal(
    live.stdout,
    'Audited 5 pods against policy ConfigMaps 10-base (live).\nNo pod would be refused.\n',
  )
  const r = await run(['audit', '--policy', proposed], adminEnv)
  t.equal(r.code, 1)
  t.equal(r.stderr, '')
  const lines = r.stdout.split('\n')
  t.equal(
    lines[0],
    `Audited 5 pods against policy ConfigMaps 10-base, 20-watch (proposed: 10-base from ${proposed} (document 1), 20-watch from ${proposed} (document 2)).`,
  )
  t.equal(lines[1], '3 pods would be refused, 3 of them (new) admitted by the live policy.')
  t.match(
    r.stdout,
    `
rule/shared-for-lab [enforce]: 2 pods would be REFUSED
  app/web-1 (new): networks[0]: network infra/shared refused by rule/shared-for-lab: `,
  )
  t.match(
    r.stdout,
    /\n {2}app\/web-2 \(new\): networks\[0\]: network infra\/shared refused by rule\/shared-for-lab: /,
  )
  t.match(
    r.stdout,
    /\nisolation \[enforce\]: 1 pod would be REFUSED\n {2}app\/dpdk-1 \(new\): networks\[0\]: network infra\/sriov-a refused by isolation: /,
  )
  t.match(
    r.stdout,
    /\nrule\/who-uses-own \[audit\]: 1 pod would be admitted, logged by an audit-mode rule\n {2}app\/web-2: refused in audit mode by rule\/who-uses-own\n/,
  )
  t.notMatch(r.stdout, /lab\/tester-1/)
  const json = await run(['audit', '--policy', proposed, '-o', 'json', '-n', 'app'], adminEnv)
  const report = JSON.parse(json.stdout) as {
    checked: number
    refused: number
    newlyRefused: number
    groups: { by: string }[]
  }
  t.equal(report.checked, 4)
  t.equal(report.refused, 3)
  t.equal(report.newlyRefused, 3)
  t.same(
    report.groups.map((g) => g.by),
    ['rule/shared-for-lab', 'isolation', 'rule/who-uses-own'],
  )
})

t.test('audit: a proposal the webhook would refuse is an error, not an answer', async (t) => {
  const typo = file(
    'typo.yaml',
    stringify({
      ...livePolicy,
      data: {
        'policy.yaml': 'apiVersion: multinet.io/v1alpha1\nrules:\n  - name: x\n    action: Allow\n',
      },
    }),
  )
  const r = await run(['audit', '--policy', typo], adminEnv)
  t.equal(r.code, 2)
  t.match(r.stderr, /^error: the proposed policy would not be in force:\n/)
  t.match(
    r.stderr,
    /typo\.yaml: policy\.yaml: rules\[0\]\.action: must be one of allow, deny.* \(not "Allow"\) \(line 4\) \[policy\.invalid\]\n/,
  )
  const unlabelled = file(
    'unlabelled.yaml',
    stringify({ ...livePolicy, metadata: { name: 'x', namespace: POLICY_NS } }),
  )
  const u = await run(['audit', '--policy', unlabelled], adminEnv)
  t.equal(u.code, 2)
  t.match(u.stderr, /lacks the label multinet\.io\/policy: "true"/)
})

t.test(
  'a user with read access to pods, NADs, nodes and the policy namespace runs every command',
  async (t) => {
    await grantClusterRole(
      admin,
      'multinet-viewer-e2e',
      [
        { apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get', 'list'] },
        { apiGroups: [NAD.group], resources: [NAD.plural], verbs: ['get', 'list'] },
      ],
      [{ kind: 'User', name: 'viewer', apiGroup: 'rbac.authorization.k8s.io' }],
    )
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api)
    await rbac.createNamespacedRole({
      namespace: POLICY_NS,
      body: {
        metadata: { name: 'multinet-viewer' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
      },
    })
    await rbac.createNamespacedRoleBinding({
      namespace: POLICY_NS,
      body: {
        metadata: { name: 'multinet-viewer' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'multinet-viewer' },
        subjects: [{ kind: 'User', name: 'viewer', apiGroup: 'rbac.authorization.k8s.io' }],
      },
    })
    const viewer = file(
      'viewer.kubeconfig',
      kubeconfigYaml(
        cp.apiUrl,
        cp.caPem,
        'viewer',
        (() => {
          const c = cp.pki.issueClient('viewer', [])
          return { certPem: c.certPem, keyPem: c.keyPem }
        })(),
      ),
    )
    const env = { KUBECONFIG: join(dir, viewer) }
    const noNamespaces = /^warning: context "viewer" may not list namespaces: /
    for (const args of [['pods', '-A'], ['networks', '-A'], ['nodes']]) {
      const mine = await run(args, env)
      const theirs = await run(args, adminEnv)
      t.equal(mine.code, 0, args.join(' '))
      t.equal(mine.stdout, theirs.stdout, `${args.join(' ')}: the same table as the admin's`)
      if (args[0] === 'networks') t.match(mine.stderr, noNamespaces)
    }
    const explain = await run(['explain', 'pod/web-1', '-n', 'app'], env)
    t.equal(explain.code, 0)
    t.match(explain.stderr, noNamespaces)
    // Without namespace labels, admission warns that it decided by name (as the webhook does).
    t.match(explain.stdout, /^Pod app\/web-1: ALLOWED\n/)
    const audit = await run(['audit', '--policy', proposed], env)
    t.equal(audit.code, 1)
    t.match(audit.stdout, /3 pods would be refused, 3 of them \(new\)/)
  },
)

t.test('errors say what to do', async (t) => {
  const nobody = await run(['pods', '-A'], { KUBECONFIG: cp.kubeconfigFor('nobody') })
  t.equal(nobody.code, 3)
  t.match(
    nobody.stderr,
    /^error: not allowed: context "nobody" may not list pods \(.*forbidden.*\); ask an admin for a ClusterRole bound with a ClusterRoleBinding granting verbs \[get, list\] on resource pods in apiGroup "" \(docs\/cli\.md#rbac has a ready one\)\n$/,
  )
  const port = await freePort()
  const gone = file(
    'gone.kubeconfig',
    kubeconfigYaml(`https://127.0.0.1:${port}`, cp.caPem, 'admin', { token: cp.tokens.admin }),
  )
  const down = await run(['nodes', '--kubeconfig', join(dir, gone)], {})
  t.equal(down.code, 3)
  t.match(
    down.stderr,
    new RegExp(
      `^error: cannot reach the API server at https://127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED.*\\): is the cluster running, and do --kubeconfig/--context point at it\\?\\n$`,
    ),
  )
  const noConfig = await run(['nodes'], {})
  t.equal(noConfig.code, 3)
  t.match(noConfig.stderr, /^error: cannot load kubeconfig: not running in a cluster/)
  const ctx = await run(['nodes', '--context', 'nope'], adminEnv)
  t.equal(ctx.code, 3)
  t.match(ctx.stderr, /no context "nope" \(contexts: admin\)/)
  const usage = await run(['pods', '-o', 'text'], adminEnv)
  t.equal(usage.code, 2)
  t.match(usage.stderr, /-o text is for explain and audit/)
})

t.test('kubectl runs it as a plugin once kubectl-multinet is on PATH', async (t) => {
  const binDir = join(dir, 'path')
  const { mkdirSync } = await import('node:fs')
  mkdirSync(binDir)
  symlinkSync(BIN, join(binDir, 'kubectl-multinet'))
  const env = withoutCoverage({
    ...process.env,
    PATH: `${binDir}:${process.env.PATH ?? ''}`,
    KUBECONFIG: cp.kubeconfigFor('admin'),
  })
  const exec = promisify(execFile)
  const plugins = await exec('kubectl', ['plugin', 'list'], { env }).catch(
    (e: { stdout: string }) => e,
  )
  t.match(plugins.stdout, /kubectl-multinet/)
  const r = await exec('kubectl', ['multinet', 'nodes', '--no-headers'], { env })
  t.equal(
    r.stdout,
    'node-a   Ready   datacenter   example.com/sriov_a=8/8/2\nnode-b   Ready   storage      <none>\n',
  )
})

async function readText(path: string): Promise<string> {
  const { readFile } = await import('node:fs/promises')
  return readFile(path, 'utf8')
}
