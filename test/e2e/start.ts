/**
 * Start a control plane by hand, to play with:
 *   npx tsx test/e2e/start.ts [node-name ...]
 * Prints the apiserver URL and a kubeconfig per identity, then stays up until Ctrl-C.
 */
import { startControlPlane, type Identity } from './control-plane.js'

const nodes = process.argv.slice(2).map((n): Identity => `system:node:${n}`)
const cp = await startControlPlane()
const stats = cp.stats()
const mib = (kib: number | undefined): string =>
  kib === undefined ? '?' : `${Math.round(kib / 1024)} MiB`

console.log(
  `apiserver  ${cp.apiUrl}  (ready in ${stats.apiserverReadyMs} ms, RSS ${mib(stats.apiserverRssKiB)})`,
)
console.log(`etcd       ${cp.etcdUrl}  (RSS ${mib(stats.etcdRssKiB)})`)
console.log(`logs       ${cp.dir}/logs`)
for (const identity of ['admin', 'webhook', 'agent', 'nobody', ...nodes] as Identity[]) {
  console.log(`kubeconfig ${identity.padEnd(10)} ${cp.kubeconfigFor(identity)}`)
}
console.log(
  `\nexport KUBECONFIG=${cp.kubeconfigFor('admin')}\nCtrl-C stops it and removes ${cp.dir}`,
)

// The harness never lets its children keep a process alive; here staying up is the point.
const keepAlive = setInterval(() => {}, 1 << 30)
let stopping = false
const shutdown = (): void => {
  if (stopping) return
  stopping = true
  clearInterval(keepAlive)
  cp.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err)
      process.exit(1)
    },
  )
}
process.on('SIGINT', shutdown)
process.on('SIGTERM', shutdown)
