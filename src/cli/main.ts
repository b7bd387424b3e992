import { EXIT, type CliIo } from './io.js'

const USAGE = `multinet: multi-network admission for Kubernetes

Usage: multinet <command> [options]

Commands:
  webhook   serve the admission webhook (HTTPS) with probes and metrics
  agent     run the node agent: performs pod attachments for the CNI shim, network-status, node labels
  review    decide an AdmissionReview (or a bare Pod/NAD/ConfigMap) offline, as the webhook would
  certs     create or renew the webhook's CA and serving certificate
  cni       the CNI shim the container runtime executes (forwards to the node agent)
  version   print the version

Cluster views (also as the kubectl plugin: \`kubectl multinet <command>\`):
  networks  NetworkAttachmentDefinitions: plugins, devices, physical network, who may use them, pods
  pods      pods' network selections and what network-status says happened
  nodes     physical networks and device resources (capacity/allocatable/requested) per node
  explain   the webhook's decision for pod/NAME or -f FILE against the live cluster
  audit     every pod against the live or a proposed policy (--policy FILE...); exit 1 if any refused

Run \`multinet <command> --help\` for the options of a command.
`

type Command = (argv: string[], io: CliIo) => Promise<number>

/** Commands are loaded on demand so that `review` never pays for Fastify or the client. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  webhook: async () => (await import('./webhook-command.js')).webhookCommand,
  agent: async () => (await import('./agent-command.js')).agentCommand,
  review: async () => (await import('./review-command.js')).reviewCommand,
  certs: async () => (await import('./certs-command.js')).certsCommand,
  networks: async () => (await import('./kubectl/networks-command.js')).networksCommand,
  pods: async () => (await import('./kubectl/pods-command.js')).podsCommand,
  nodes: async () => (await import('./kubectl/nodes-command.js')).nodesCommand,
  explain: async () => (await import('./kubectl/explain-command.js')).explainCommand,
  audit: async () => (await import('./kubectl/audit-command.js')).auditCommand,
  cni: async () => (await import('./cni-command.js')).cniCommand,
  version: async () => versionCommand,
  // What `docker run IMAGE --version` and packagers expect.
  '--version': async () => versionCommand,
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(USAGE)
    return name === undefined ? EXIT.usage : EXIT.ok
  }
  const load = COMMANDS[name]
  if (!load) {
    io.stderr.write(`multinet: unknown command "${name}"\n\n${USAGE}`)
    return EXIT.usage
  }
  return (await load())(rest, io)
}

async function versionCommand(_argv: string[], io: CliIo): Promise<number> {
  const { createRequire } = await import('node:module')
  const pkg = createRequire(import.meta.url)('../../package.json') as { version: string }
  io.stdout.write(`multinet ${pkg.version}\n`)
  return EXIT.ok
}

/** Process entry (bin/multinet.js): real streams, real environment, exit code on the way out. */
export async function run(): Promise<void> {
  const io: CliIo = {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
  }
  process.exitCode = await main(process.argv.slice(2), io)
}
