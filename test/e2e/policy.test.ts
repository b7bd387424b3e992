/**
 * The access policy end to end: an admin edits the policy ConfigMap with the client and the API
 * server starts rejecting, then admitting, the same pod; an invalid policy edit is refused with
 * its path; a user cannot forge network-status while the agent identity can write it.
 */
import t from 'tap'
import { CoreV1Api, type V1ConfigMap, type V1Pod } from '@kubernetes/client-node'
import { withControlPlane } from '../fixtures/e2e/control-plane.js'
import {
  createNad,
  createNamespace,
  grantClusterRole,
  nad,
  refusal,
  uniqueName,
} from '../fixtures/e2e/kube.js'
import { POLICY_NAMESPACE, registerWebhooks, startWebhook } from '../fixtures/e2e/webhook.js'
import { AGENT_USER, WEBHOOK_USER } from './identities.js'
import { waitFor } from './net.js'

const cp = await withControlPlane(t)
const admin = cp.kubeConfig('admin')
const core = admin.makeApiClient(CoreV1Api)
await core.createNamespace({ body: { metadata: { name: POLICY_NAMESPACE } } })
const hook = await startWebhook(t, cp, WEBHOOK_USER)
await registerWebhooks(cp, hook, 'multinet-e2e')
const app = await createNamespace(admin, 'app')
const netns = await createNamespace(admin, 'net')
await createNad(admin, netns, nad('shared', { cniVersion: '1.0.0', type: 'bridge' }))

const podBody = (name: string): V1Pod => ({
  metadata: { name, annotations: { 'k8s.v1.cni.cncf.io/networks': `${netns}/shared` } },
  spec: { containers: [{ name: 'c', image: 'registry.example/app:1' }] },
})

const policy = (rules: string): V1ConfigMap => ({
  metadata: {
    name: 'policy',
    namespace: POLICY_NAMESPACE,
    labels: { 'multinet.io/policy': 'true' },
  },
  data: { 'policy.yaml': `apiVersion: multinet.io/v1alpha1\nrules:\n${rules}` },
})
const allowRule = `  - name: app-may-use-shared
    action: allow
    networks: { names: ["${netns}/shared"] }
    from: { namespaces: { names: ["${app}"] } }
`

/** Creates the pod (dry-run: nothing is stored) until `accept` says the answer is the awaited one. */
async function until(
  accept: (message: string | undefined) => boolean,
  what: string,
): Promise<{ message: string | undefined; ms: number }> {
  const start = Date.now()
  const message = await waitFor(
    what,
    async () => {
      const m = await refusal(
        core.createNamespacedPod({ namespace: app, body: podBody(uniqueName('p')), dryRun: 'All' }),
      )
      return accept(m) ? { m } : undefined
    },
    // The informer delivers a ConfigMap change in milliseconds; the bound is generous for a busy CI machine.
    { timeoutMs: 30_000, intervalMs: 100 },
  )
  return { message: message.m, ms: Date.now() - start }
}

t.test('without a policy, a cross-namespace reference is refused by isolation', async (t) => {
  const { message } = await until(
    (m) => m !== undefined && m.includes('multinet'),
    'webhook active',
  )
  t.match(message, /refused by isolation/)
  t.match(message, /policy\.isolation/)
})

t.test('an admin allows it in the policy ConfigMap, then denies it again', async (t) => {
  await core.createNamespacedConfigMap({ namespace: POLICY_NAMESPACE, body: policy(allowRule) })
  const admitted = await until((m) => m === undefined, 'policy allow takes effect')
  t.comment(`allow took effect after ${admitted.ms} ms`)
  const denyRule = `${allowRule}  - name: freeze-shared
    action: deny
    networks: { names: ["${netns}/*"] }
    from: { namespaces: { names: ["*"] } }
`
  await core.replaceNamespacedConfigMap({
    name: 'policy',
    namespace: POLICY_NAMESPACE,
    body: policy(denyRule),
  })
  const refused = await until((m) => m !== undefined, 'policy deny takes effect')
  t.comment(`deny took effect after ${refused.ms} ms`)
  t.match(refused.message, /rule\/freeze-shared/)
  await core.replaceNamespacedConfigMap({
    name: 'policy',
    namespace: POLICY_NAMESPACE,
    body: policy(allowRule),
  })
  await until((m) => m === undefined, 'policy allow takes effect again')
})

t.test(
  'an invalid policy edit is refused with its path, and the last good one stays',
  async (t) => {
    const typo = `  - name: app-may-use-shared
    action: allow
    networks: { names: ["${netns}/shared"] }
    from: { namespaces: { selector: { matchLabels: 7 } } }
`
    const message = await refusal(
      core.replaceNamespacedConfigMap({
        name: 'policy',
        namespace: POLICY_NAMESPACE,
        body: policy(typo),
      }),
    )
    t.match(message, /policy\.validate\.multinet\.io/)
    t.match(message, /rules\[0\]\.from\.namespaces\.selector\.matchLabels/)
    const stored = await core.readNamespacedConfigMap({
      name: 'policy',
      namespace: POLICY_NAMESPACE,
    })
    t.match(stored.data?.['policy.yaml'], /app-may-use-shared/)
    t.equal(
      await refusal(
        core.createNamespacedPod({ namespace: app, body: podBody('still-allowed'), dryRun: 'All' }),
      ),
      undefined,
    )
  },
)

t.test('a user cannot forge network-status; the agent identity can write it', async (t) => {
  const status = JSON.stringify([
    { name: `${netns}/shared`, interface: 'net1', ips: ['192.0.2.7'], default: false },
  ])
  const forged = podBody('forged')
  forged.metadata!.annotations!['k8s.v1.cni.cncf.io/network-status'] = status
  t.match(
    await refusal(core.createNamespacedPod({ namespace: app, body: forged })),
    /pod\.network-status-forged/,
  )

  const created = await core.createNamespacedPod({ namespace: app, body: podBody('real') })
  const edited = {
    ...created,
    metadata: {
      ...created.metadata,
      annotations: {
        ...created.metadata?.annotations,
        'k8s.v1.cni.cncf.io/network-status': status,
      },
    },
  }
  t.match(
    await refusal(core.replaceNamespacedPod({ name: 'real', namespace: app, body: edited })),
    /only the Multinet agent/,
  )
  t.match(
    await refusal(core.replaceNamespacedPodStatus({ name: 'real', namespace: app, body: edited })),
    /only the Multinet agent/,
  )

  await grantClusterRole(
    admin,
    'multinet-agent-e2e',
    [{ apiGroups: [''], resources: ['pods', 'pods/status'], verbs: ['get', 'update', 'patch'] }],
    [{ kind: 'User', name: AGENT_USER, apiGroup: 'rbac.authorization.k8s.io' }],
  )
  const agent = cp.kubeConfig('agent').makeApiClient(CoreV1Api)
  const fresh = await agent.readNamespacedPod({ name: 'real', namespace: app })
  fresh.metadata!.annotations = {
    ...fresh.metadata?.annotations,
    'k8s.v1.cni.cncf.io/network-status': status,
  }
  const written = await agent.replaceNamespacedPodStatus({
    name: 'real',
    namespace: app,
    body: fresh,
  })
  t.equal(written.metadata?.annotations?.['k8s.v1.cni.cncf.io/network-status'], status)
})

t.test('updates that leave the network annotations alone never wait for the webhook', async (t) => {
  // Kubelets write pod status constantly: with the webhook stopped and failurePolicy Fail, they
  // must still get through, while a network-status change is refused (fails closed).
  const created = await core.createNamespacedPod({ namespace: app, body: podBody('kubelet-like') })
  await hook.stop()
  const relabelled = { ...created, metadata: { ...created.metadata, labels: { touched: 'yes' } } }
  const stored = await core.replaceNamespacedPod({
    name: 'kubelet-like',
    namespace: app,
    body: relabelled,
  })
  t.equal(stored.metadata?.labels?.touched, 'yes')
  const status = await core.replaceNamespacedPodStatus({
    name: 'kubelet-like',
    namespace: app,
    body: { ...stored, status: { ...stored.status, message: 'kubelet says hi' } },
  })
  t.equal(status.status?.message, 'kubelet says hi')
  const forged = {
    ...status,
    metadata: {
      ...status.metadata,
      annotations: { ...status.metadata?.annotations, 'k8s.v1.cni.cncf.io/network-status': '[]' },
    },
  }
  t.match(
    await refusal(
      core.replaceNamespacedPod({ name: 'kubelet-like', namespace: app, body: forged }),
    ),
    /failed calling webhook/,
  )
})
