import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { RunningAgent } from '../agent/agent.js'
import {
  AGENT_OPTIONS,
  checkAgentSettings,
  type AgentSettings,
  type PhysicalNetworkMap,
} from '../config/agent-options.js'
import { formatHelp } from '../config/help.js'
import { loadOptions } from '../config/load.js'
import { isMultinetError, messageOf } from '../errors.js'
import { createLogger } from '../log.js'
import { EXIT, type CliIo } from './io.js'

const INTRO =
  'Run the node agent: serve CNI operations from the multinet shim on a unix socket (attach the ' +
  "pod's primary and selected networks through the delegate plugins, persist each plan, write " +
  'network-status), keep the node CNI config wrapping the primary network, and label the Node ' +
  'with its physical networks. /livez, /readyz and /metrics on a plain-HTTP port. Runs as root ' +
  'until SIGTERM or SIGINT.'

export const AGENT_HELP = formatHelp('multinet agent [options]', INTRO, AGENT_OPTIONS)

/** `multinet agent`: runs until SIGTERM/SIGINT, drains, and resolves with the exit code. */
export async function agentCommand(argv: string[], io: CliIo): Promise<number> {
  const stop = new AbortController()
  const onSignal = (signal: NodeJS.Signals): void => stop.abort(signal)
  process.once('SIGTERM', onSignal)
  process.once('SIGINT', onSignal)
  try {
    return await runAgent(argv, io, stop.signal)
  } finally {
    process.off('SIGTERM', onSignal)
    process.off('SIGINT', onSignal)
  }
}

/** The command with its stop signal injected, so that tests can run it in-process. */
export async function runAgent(
  argv: readonly string[],
  io: CliIo,
  stop: AbortSignal,
  onStarted?: (agent: RunningAgent) => void,
): Promise<number> {
  let settings: AgentSettings
  let physicalNetworks: PhysicalNetworkMap
  try {
    const loaded = loadOptions(AGENT_OPTIONS, {
      argv,
      env: io.env,
      readFile: (path) => readFileSync(resolve(io.cwd, path), 'utf8'),
    })
    if (loaded.kind === 'help') {
      io.stdout.write(AGENT_HELP)
      return EXIT.ok
    }
    physicalNetworks = checkAgentSettings(loaded.config)
    settings = withAbsolutePaths(loaded.config, io.cwd)
  } catch (err) {
    io.stderr.write(`multinet agent: ${messageOf(err)}\n`)
    return EXIT.usage
  }
  const logger = createLogger({
    level: settings.logLevel,
    component: 'agent',
    destination: io.stdout,
  })
  let agent: RunningAgent | undefined
  try {
    const { loadKubeConfig } = await import('../cluster/kube-config.js')
    const { startAgent } = await import('../agent/agent.js')
    const kubeConfig = loadKubeConfig({ kubeconfig: settings.kubeconfig, env: io.env })
    agent = await startAgent({
      settings,
      physicalNetworks,
      kubeConfig,
      logger,
      defaultMetrics: true,
    })
    onStarted?.(agent)
    await aborted(stop)
    await agent.shutdown(String(stop.reason))
    return EXIT.ok
  } catch (err) {
    logger.error({ err, code: isMultinetError(err) ? err.code : undefined }, 'agent failed')
    await agent?.shutdown('failure')
    return EXIT.failure
  }
}

function withAbsolutePaths(settings: AgentSettings, cwd: string): AgentSettings {
  const abs = (path: string | undefined): string | undefined =>
    path === undefined ? undefined : resolve(cwd, path)
  return Object.freeze({
    ...settings,
    kubeconfig: abs(settings.kubeconfig),
    socket: resolve(cwd, settings.socket),
    cniBinDirs: Object.freeze(settings.cniBinDirs.map((d) => resolve(cwd, d))),
    cniConfDir: resolve(cwd, settings.cniConfDir),
    // A bare name stays relative to the conf dir (node-config.ts resolves it there).
    primaryConfig:
      settings.primaryConfig === undefined || !settings.primaryConfig.includes('/')
        ? settings.primaryConfig
        : resolve(cwd, settings.primaryConfig),
    stateDir: resolve(cwd, settings.stateDir),
    netConfDir: resolve(cwd, settings.netConfDir),
    shimSource: abs(settings.shimSource),
    podResourcesSocket: resolve(cwd, settings.podResourcesSocket),
  })
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolveAbort) =>
    signal.addEventListener('abort', () => resolveAbort(), { once: true }),
  )
}
