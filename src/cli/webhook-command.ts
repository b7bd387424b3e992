import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Logger } from 'pino'
import { handleReview } from '../admission/handle.js'
import type { AdmissionOptions } from '../admission/options.js'
import type { StateSource } from '../cluster/source.js'
import { formatHelp } from '../config/help.js'
import { loadOptions } from '../config/load.js'
import { firstPath } from '../config/paths.js'
import {
  WEBHOOK_OPTIONS,
  admissionOptionsOf,
  checkWebhookSettings,
  devProfile,
  type WebhookSettings,
} from '../config/webhook-options.js'
import { isMultinetError, messageOf } from '../errors.js'
import { createLogger } from '../log.js'
import { ensureCertDir } from '../tls/cert-files.js'
import { startWebhookServer, type RunningWebhook } from '../webhook/server.js'
import { EXIT, type CliIo } from './io.js'

const INTRO =
  'Serve the admission webhook: POST /validate and POST /mutate over HTTPS (AdmissionReview v1), ' +
  'with /livez, /readyz and /metrics on a separate plain-HTTP port. The key pair is re-read ' +
  'while running, so rotating the Secret needs no restart. Runs until SIGTERM or SIGINT.'

export const WEBHOOK_HELP = formatHelp('multinet webhook [options]', INTRO, WEBHOOK_OPTIONS)

/** `multinet webhook`: runs until SIGTERM/SIGINT, drains, and resolves with the exit code. */
export async function webhookCommand(argv: string[], io: CliIo): Promise<number> {
  const stop = new AbortController()
  const onSignal = (signal: NodeJS.Signals): void => stop.abort(signal)
  process.once('SIGTERM', onSignal)
  process.once('SIGINT', onSignal)
  try {
    return await runWebhook(argv, io, stop.signal)
  } finally {
    process.off('SIGTERM', onSignal)
    process.off('SIGINT', onSignal)
  }
}

/** The command with its stop signal injected, so that tests can run it in-process. */
export async function runWebhook(
  argv: readonly string[],
  io: CliIo,
  stop: AbortSignal,
): Promise<number> {
  let settings: WebhookSettings
  try {
    const loaded = loadOptions(
      WEBHOOK_OPTIONS,
      { argv, env: io.env, readFile: (path) => readFileSync(resolve(io.cwd, path), 'utf8') },
      devProfile,
    )
    if (loaded.kind === 'help') {
      io.stdout.write(WEBHOOK_HELP)
      return EXIT.ok
    }
    checkWebhookSettings(loaded.config)
    settings = withAbsolutePaths(loaded.config, io.cwd)
  } catch (err) {
    io.stderr.write(`multinet webhook: ${messageOf(err)}\n`)
    return EXIT.usage
  }
  const logger = createLogger({
    level: settings.logLevel,
    component: 'webhook',
    destination: io.stdout,
  })
  const options = admissionOptionsOf(settings)
  let state: StateSource | undefined
  let server: RunningWebhook | undefined
  try {
    if (settings.dev) await ensureDevCertificates(settings, logger)
    state = await openState(settings, io, logger, options)
    const bound = state
    server = await startWebhookServer({
      settings,
      logger,
      state: bound,
      handle: (endpoint, body) => handleReview(endpoint, body, bound, options),
      defaultMetrics: true,
    })
    await aborted(stop)
    await server.shutdown(String(stop.reason))
    return EXIT.ok
  } catch (err) {
    logger.error({ err, code: isMultinetError(err) ? err.code : undefined }, 'webhook failed')
    await server?.shutdown('failure')
    return EXIT.failure
  } finally {
    await state?.close()
  }
}

function withAbsolutePaths(settings: WebhookSettings, cwd: string): WebhookSettings {
  const abs = (path: string | undefined): string | undefined =>
    path === undefined ? undefined : resolve(cwd, path)
  return Object.freeze({
    ...settings,
    tlsCertFile: resolve(cwd, settings.tlsCertFile),
    tlsKeyFile: resolve(cwd, settings.tlsKeyFile),
    clientCaFile: abs(settings.clientCaFile),
    stateDir: abs(settings.stateDir),
    kubeconfig: abs(firstPath(settings.kubeconfig)),
  })
}

/** `--dev`: a CA and a localhost certificate next to the configured key pair, reused while valid. */
async function ensureDevCertificates(settings: WebhookSettings, logger: Logger): Promise<void> {
  const dir = resolve(settings.tlsCertFile, '..')
  const plan = await ensureCertDir(dir, {
    caCommonName: 'multinet-dev-ca',
    commonName: 'localhost',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1', '::1'],
    key: { type: 'ecdsa' },
    caDays: 3650,
    certDays: 365,
    renewBeforeDays: 30,
    force: false,
  })
  logger.info(
    {
      dir,
      reused: !plan.certRenewed,
      reasons: plan.reasons,
      notAfter: plan.certNotAfter.toISOString(),
    },
    plan.certRenewed ? 'development certificates written' : 'development certificates reused',
  )
}

/**
 * Loaded on demand: each implementation pulls in its own dependencies (the Kubernetes client,
 * a folder watcher), and a deployment uses only one of them.
 */
async function openState(
  settings: WebhookSettings,
  io: CliIo,
  logger: Logger,
  options: AdmissionOptions,
): Promise<StateSource> {
  if (settings.stateDir !== undefined) {
    const { openFileState } = await import('../cluster/file-state.js')
    return openFileState(settings.stateDir, { watch: true, strict: false, logger, options })
  }
  const { openKubeState } = await import('../cluster/kube-state.js')
  const { loadKubeConfig } = await import('../cluster/kube-config.js')
  return openKubeState({
    // Built here so that the command's environment (CliIo), not the process's, is read.
    kubeConfig: loadKubeConfig({ kubeconfig: settings.kubeconfig, env: io.env }),
    namespace: settings.namespace,
    logger,
    options,
    fetchTimeoutMs: settings.fetchTimeoutMs,
    policyStore: settings.policyStore,
  })
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolveAbort) =>
    signal.addEventListener('abort', () => resolveAbort(), { once: true }),
  )
}
