/**
 * The agent's Kubernetes I/O against a real kube-apiserver with Node+RBAC authorization, under
 * the agent's own identity bound to exactly the rules docs/agent.md lists: the node pod cache
 * (field selector), NAD GETs with spec.config, the network-status merge patch on pods/status
 * (preconditions included), physical-network labels on the Node, and Events. No kubelet: the
 * pods are bound by spec.nodeName and stay Pending (the real-node path is agent.test.ts).
 */
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  type V1Pod,
} from '@kubernetes/client-node'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { AgentMetrics } from '../../src/agent/metrics.js'
import { PhysicalNetworkSync } from '../../src/agent/physical-networks.js'
import { nadGetter } from '../../src/cluster/nad-configs.js'
import { nodeLabelClient } from '../../src/cluster/node-labels.js'
import { NodePods } from '../../src/cluster/node-pods.js'
import { podEventRecorder } from '../../src/cluster/pod-events.js'
import { PodStatusWriter } from '../../src/cluster/pod-status-writer.js'
import { ANNOTATIONS } from '../../src/spec/types.js'
import { withControlPlane } from '../fixtures/e2e/control-plane.js'
import { captureLogs } from '../fixtures/webhook/logs.js'
import { AGENT_USER } from './identities.js'

t.setTimeout(240_000)

const NODE = 'mnag-api-node'
const NS = 'mnag-api'

const cp = await withControlPlane(t)
const admin = cp.kubeConfig('admin')
const core = admin.makeApiClient(CoreV1Api)
const rbac = admin.makeApiClient(RbacAuthorizationV1Api)
const custom = admin.makeApiClient(CustomObjectsApi)

// The RBAC rules of docs/agent.md, and nothing more.
await rbac.createClusterRole({
  body: {
    metadata: { name: 'mnag-agent' },
    rules: [
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods/status'], verbs: ['patch'] },
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'patch'] },
      {
        apiGroups: ['k8s.cni.cncf.io'],
        resources: ['network-attachment-definitions'],
        verbs: ['get', 'list', 'watch'],
      },
      { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create'] },
    ],
  },
})
await rbac.createClusterRoleBinding({
  body: {
    metadata: { name: 'mnag-agent' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'mnag-agent' },
    subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: AGENT_USER }],
  },
})
await core.createNamespace({ body: { metadata: { name: NS } } })
for (const name of [NODE, 'mnag-other-node']) {
  await core.createNode({
    body: { metadata: { name, labels: { 'physnet.multinet.io/stale': 'true' } } },
  })
}

function podBody(name: string, node: string, annotations: Record<string, string> = {}): V1Pod {
  return {
    metadata: { name, annotations },
    spec: {
      nodeName: node,
      automountServiceAccountToken: false,
      containers: [{ name: 'c', image: 'busybox' }],
    },
  }
}

const agentKc = cp.kubeConfig('agent')
const logs = captureLogs()

t.test('the node pod cache sees only its node, with the selection annotations', async (t) => {
  await core.createNamespacedPod({
    namespace: NS,
    body: podBody('mine', NODE, { [ANNOTATIONS.networks]: 'data', other: 'x' }),
  })
  await core.createNamespacedPod({ namespace: NS, body: podBody('theirs', 'mnag-other-node') })
  const pods = new NodePods({
    kubeConfig: agentKc,
    nodeName: NODE,
    logger: logs.logger,
    waitMs: 30_000,
    apiTimeoutMs: 10_000,
  })
  t.teardown(() => pods.stop())
  pods.start()
  const mine = await pods.getPod(NS, 'mine', undefined)
  t.match(mine, { namespace: NS, name: 'mine', annotations: { [ANNOTATIONS.networks]: 'data' } })
  t.equal(mine?.annotations.other, undefined)
  t.ok(pods.isSynced())
  t.equal(pods.cachedPod(NS, 'theirs'), undefined, "another node's pod is never listed")
  // A pod created after the list arrives through the watch.
  const created = await core.createNamespacedPod({ namespace: NS, body: podBody('late', NODE) })
  const late = await pods.getPod(NS, 'late', created.metadata?.uid)
  t.equal(late?.uid, created.metadata?.uid)
  const direct = new NodePods({
    kubeConfig: agentKc,
    nodeName: NODE,
    logger: logs.logger,
    waitMs: 0,
    apiTimeoutMs: 10_000,
  })
  t.equal(await direct.getPod(NS, 'never', undefined), undefined, 'a direct GET: 404')
  t.equal((await direct.getPod(NS, 'theirs', undefined))?.name, 'theirs', 'get is allowed')
})

t.test('NADs with their whole spec.config', async (t) => {
  await custom.createNamespacedCustomObject({
    group: 'k8s.cni.cncf.io',
    version: 'v1',
    namespace: NS,
    plural: 'network-attachment-definitions',
    body: {
      apiVersion: 'k8s.cni.cncf.io/v1',
      kind: 'NetworkAttachmentDefinition',
      metadata: { name: 'data', annotations: { [ANNOTATIONS.physicalNetwork]: 'phy-data' } },
      spec: { config: '{"cniVersion":"1.0.0","type":"macvlan","ipam":{"type":"static"}}' },
    },
  })
  const get = nadGetter(agentKc, 10_000)
  t.same(await get(NS, 'data'), {
    namespace: NS,
    name: 'data',
    annotations: { [ANNOTATIONS.physicalNetwork]: 'phy-data' },
    config: '{"cniVersion":"1.0.0","type":"macvlan","ipam":{"type":"static"}}',
  })
  t.equal(await get(NS, 'missing'), undefined)
})

t.test('network-status through pods/status: only the annotation, preconditions hold', async (t) => {
  const pod = await core.readNamespacedPod({ namespace: NS, name: 'mine' })
  const info = {
    namespace: NS,
    name: 'mine',
    uid: pod.metadata!.uid!,
    resourceVersion: pod.metadata!.resourceVersion!,
    annotations: {},
  }
  // Someone else changes the pod first: the stored resourceVersion is stale (a 409, retried).
  await core.patchNamespacedPod(
    { namespace: NS, name: 'mine', body: { metadata: { labels: { a: 'b' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  )
  const writer = new PodStatusWriter({
    kubeConfig: agentKc,
    timeoutMs: 10_000,
    logger: logs.logger,
  })
  const entries = [{ name: 'cluster', interface: 'eth0', ips: ['10.0.0.5'], default: true }]
  t.equal(await writer.write(info, entries), true)
  const after = await core.readNamespacedPod({ namespace: NS, name: 'mine' })
  t.same(JSON.parse(after.metadata!.annotations![ANNOTATIONS.networkStatus]!), entries)
  t.equal(after.metadata!.annotations!.other, 'x', 'other annotations kept')
  t.equal(after.metadata!.annotations![ANNOTATIONS.networks], 'data')
  t.same(after.metadata!.labels, { a: 'b' })
  t.ok(logs.find('network-status write conflicted; re-reading the pod').length >= 1)

  // The pod is recreated under the same name: the old UID never writes to the new pod.
  await core.deleteNamespacedPod({ namespace: NS, name: 'mine', gracePeriodSeconds: 0 })
  await core.createNamespacedPod({ namespace: NS, body: podBody('mine', NODE) })
  await t.rejects(writer.write(info, entries), { message: /pod was recreated/ })
  t.equal(await writer.write({ ...info, name: 'gone' }, entries), false)
})

t.test('physical-network labels on the Node with the agent identity', async (t) => {
  const sys = mkdtempSync(join(tmpdir(), 'mnag-sys-'))
  t.teardown(() => rmSync(sys, { recursive: true, force: true }))
  mkdirSync(join(sys, 'eth1'))
  const sync = new PhysicalNetworkSync({
    networks: { 'phy-data': 'eth1', 'phy-gone': 'eth9' },
    prefix: 'physnet.multinet.io/',
    client: nodeLabelClient(agentKc, NODE, 10_000),
    intervalMs: 3_600_000,
    logger: logs.logger,
    metrics: new AgentMetrics(),
    sysClassNet: sys,
  })
  t.same(await sync.sync(), {
    'physnet.multinet.io/phy-data': 'true',
    'physnet.multinet.io/stale': null,
  })
  const node = await core.readNode({ name: NODE })
  t.equal(node.metadata?.labels?.['physnet.multinet.io/phy-data'], 'true')
  t.equal(node.metadata?.labels?.['physnet.multinet.io/stale'], undefined)
  const other = await core.readNode({ name: 'mnag-other-node' })
  t.equal(other.metadata?.labels?.['physnet.multinet.io/stale'], 'true', 'other nodes untouched')
})

t.test('AddedInterface events are created with the agent identity', async (t) => {
  const pod = await core.readNamespacedPod({ namespace: NS, name: 'late' })
  const rec = podEventRecorder(agentKc, NODE, 10_000, logs.logger)
  rec.addedInterface(
    {
      namespace: NS,
      name: 'late',
      uid: pod.metadata!.uid!,
      resourceVersion: pod.metadata!.resourceVersion!,
      annotations: {},
    },
    'Add net1 [10.1.1.5/24] from mnag-api/data',
  )
  for (;;) {
    const events = await core.listNamespacedEvent({ namespace: NS })
    const found = events.items.find((e) => e.reason === 'AddedInterface')
    if (found) {
      t.equal(found.message, 'Add net1 [10.1.1.5/24] from mnag-api/data')
      t.equal(found.involvedObject.uid, pod.metadata!.uid)
      break
    }
    t.same(logs.find('event not recorded'), [], 'no failure logged')
    await new Promise((r) => setTimeout(r, 100))
  }
})
