// Helm pre-delete hook: takes Multinet off every node before the release's objects go.
// The agent re-writes its node config while it runs, so it is stopped first: its DaemonSet is
// deleted and its pods are waited out. Then a one-off DaemonSet removes 00-multinet.conflist and
// the shim on each node (the runtime falls back to the primary network's config), and is
// deleted once every one of its pods reports ready (= done). Runs with the image's node and
// @kubernetes/client-node; mounted into /opt/multinet/hooks so the import resolves.
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node'

const namespace = process.env.NAMESPACE
const agent = process.env.AGENT_DAEMONSET
const agentSelector = process.env.AGENT_SELECTOR
const cleanup = JSON.parse(process.env.CLEANUP_DAEMONSET ?? '{}')
const deadline = Date.now() + Number(process.env.TIMEOUT_SECONDS ?? '600') * 1000

const kc = new KubeConfig()
// In the hook pod: the in-cluster service account (KUBECONFIG, when set, wins: the e2e test runs it so).
kc.loadFromDefault()
const apps = kc.makeApiClient(AppsV1Api)
const core = kc.makeApiClient(CoreV1Api)
const log = (msg, extra = {}) => process.stdout.write(`${JSON.stringify({ msg, ...extra })}\n`)
const gone = (err) => err?.code === 404

async function until(what, check) {
  for (;;) {
    const state = await check()
    if (state === true) return
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${state})`)
    await new Promise((resolve) => setTimeout(resolve, 2000))
  }
}

async function remove(name) {
  try {
    await apps.deleteNamespacedDaemonSet({ name, namespace, propagationPolicy: 'Background' })
    log('daemonset deleted', { name })
  } catch (err) {
    if (!gone(err)) throw err
  }
}

await remove(agent)
await until('the agent pods to stop', async () => {
  const pods = await core.listNamespacedPod({ namespace, labelSelector: agentSelector })
  return pods.items.length === 0 || `${pods.items.length} agent pods left`
})
const name = cleanup.metadata.name
await remove(name)
await until(`an old ${name} to go`, async () => {
  try {
    await apps.readNamespacedDaemonSet({ name, namespace })
    return 'still there'
  } catch (err) {
    if (gone(err)) return true
    throw err
  }
})
await apps.createNamespacedDaemonSet({ namespace, body: cleanup })
log('cleanup daemonset created', { name })
await until('every node to be cleaned', async () => {
  const { metadata, status } = await apps.readNamespacedDaemonSet({ name, namespace })
  const want = status?.desiredNumberScheduled ?? 0
  const done = status?.numberReady ?? 0
  const seen = (status?.observedGeneration ?? 0) >= (metadata?.generation ?? 1)
  return (seen && done === want) || `${done} of ${want} nodes cleaned`
})
await remove(name)
log('node configuration and shim removed from every node')
