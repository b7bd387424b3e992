import { readFileSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { admit, decodePatch, type Admitted } from '../admission/admit.js'
import { handleReview } from '../admission/handle.js'
import type { AdmissionOptions } from '../admission/options.js'
import { formatHelp } from '../config/help.js'
import { loadOptions } from '../config/load.js'
import {
  WEBHOOK_OPTIONS,
  admissionOptionsOf,
  type WebhookSettings,
} from '../config/webhook-options.js'
import type { OptionTable } from '../config/define.js'
import type { ClusterState } from '../admission/state.js'
import { isMultinetError, messageOf, MultinetError } from '../errors.js'
import { EXIT, type CliIo } from './io.js'
import { parseDocument, toReview } from './review-input.js'
import { formatReviewText } from './review-text.js'

/** The webhook options that change a decision (and the input limit), for --help. */
const ADMISSION_KEYS = [
  'bodyLimitBytes',
  'policyLabel',
  'agentUsers',
  'agentGroups',
  'agentServiceAccounts',
  'agentRequireSameNode',
  'resourceNameKeys',
  'honorExistingResources',
  'podnetinfo',
  'hugepages',
  'physicalNetworkLabelPrefix',
] as const satisfies readonly (keyof WebhookSettings)[]

function admissionHelp(): string {
  const table = Object.fromEntries(
    ADMISSION_KEYS.map((k) => [k, { ...WEBHOOK_OPTIONS[k], group: 'Admission' }]),
  ) as unknown as OptionTable<WebhookSettings>
  const text = formatHelp('-', '-', table)
  // Only the option lines: the usage, intro and general sections belong to the webhook's help.
  return text.slice(text.indexOf('Admission:\n') + 'Admission:\n'.length, text.indexOf('General:'))
}

const ADMISSION_HELP = admissionHelp()

const HELP = `Usage: multinet review [-f FILE] [--state DIR] [-o json|text] [options]

Decides an AdmissionReview offline, exactly as the webhook would, and prints the response.
A bare Pod, NetworkAttachmentDefinition or policy ConfigMap is wrapped into a CREATE review.
For a Pod CREATE both sides run as the API server runs them: mutate, then validate the mutated
pod; the printed response carries the validation decision and the mutation patch.

Options:
  -f, --file FILE          input (YAML or JSON); "-" or absent: standard input. Larger than
                           --body-limit-bytes (the webhook's limit, 4 MiB by default): refused
      --state DIR          folder of manifests (NADs, Namespaces, policy ConfigMaps) to decide
                           against; without it the cluster is empty and the default policy applies
  -o, --output FORMAT      json (the response AdmissionReview, default) or text (a summary that
                           explains each network's decision and the injected patch)
      --endpoint NAME      both (default), validate or mutate
      --policy-namespace NS  namespace whose labelled ConfigMaps are policy (the webhook's
                           --namespace; default ${WEBHOOK_OPTIONS.namespace.default})
      --namespace NS       namespace for a bare object that has none (default "default")
      --user NAME          requesting user for a wrapped object (default "multinet-review")
      --group NAME         requesting user's group (repeatable)
  -h, --help               this help

Every \`multinet webhook\` option is accepted too, as a flag, MULTINET_* variable or --config
file (the webhook's own config file works as is), so that the answer is the one the webhook
configured the same way gives. Server, TLS and cluster options are read and ignored; these
decide admission:

${ADMISSION_HELP}
Exit status: 0 allowed, 1 denied, 2 bad input.
`

/** Review's own flags; everything else on the command line is a webhook option. */
const REVIEW_FLAGS = {
  file: { type: 'string', short: 'f' },
  state: { type: 'string' },
  output: { type: 'string', short: 'o' },
  endpoint: { type: 'string' },
  'policy-namespace': { type: 'string' },
  namespace: { type: 'string' },
  user: { type: 'string' },
  group: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const

export async function reviewCommand(argv: string[], io: CliIo): Promise<number> {
  try {
    return await review(argv, io)
  } catch (err) {
    const message = isMultinetError(err) ? err.message : messageOf(err)
    io.stderr.write(`multinet review: ${message}\n`)
    return isMultinetError(err) && err.status < 500 ? EXIT.usage : EXIT.failure
  }
}

async function review(argv: string[], io: CliIo): Promise<number> {
  const { own, rest } = splitArgv(argv)
  const args = parseFlags(own)
  if (args.help) {
    io.stdout.write(HELP)
    return EXIT.ok
  }
  const settings = webhookSettings(rest, io, args['policy-namespace'])
  const output = args.output ?? 'json'
  const endpoint = args.endpoint ?? 'both'
  if (output !== 'json' && output !== 'text')
    throw usage(`-o must be json or text, not "${output}"`)
  if (!['both', 'validate', 'mutate'].includes(endpoint)) {
    throw usage(`--endpoint must be both, validate or mutate, not "${endpoint}"`)
  }
  const options = admissionOptionsOf(settings)
  const limit = settings.bodyLimitBytes
  const source = args.file && args.file !== '-' ? args.file : 'stdin'
  const text =
    source === 'stdin' ? await readStream(io.stdin, limit) : await readInput(io.cwd, source, limit)
  const body = toReview(parseDocument(text, source), source, {
    namespace: args.namespace ?? 'default',
    username: args.user ?? 'multinet-review',
    groups: args.group ?? [],
  })
  const state = await openState(args.state, io.cwd, options)
  try {
    const result = await decide(endpoint, body, state, options)
    io.stdout.write(
      output === 'text'
        ? formatReviewText(result.outcome, result.review, result.patch)
        : `${JSON.stringify(result.review, null, 2)}\n`,
    )
    return result.review.response.allowed ? EXIT.ok : EXIT.denied
  } finally {
    await state.close()
  }
}

/** One endpoint as asked, or (both) the API server's order for a pod CREATE. */
async function decide(
  endpoint: string,
  body: unknown,
  state: ClusterState,
  options: AdmissionOptions,
): Promise<Admitted> {
  if (endpoint === 'both') return admit(body, state, options)
  const r = await handleReview(endpoint === 'mutate' ? 'mutate' : 'validate', body, state, options)
  return { ...r, patch: decodePatch(r.review) }
}

async function openState(dir: string | undefined, cwd: string, options: AdmissionOptions) {
  const { openFileState } = await import('../cluster/file-state.js')
  const { emptyState } = await import('../cluster/empty-state.js')
  if (dir === undefined) return emptyState()
  return openFileState(resolve(cwd, dir), {
    watch: false,
    strict: true,
    logger: pino({ level: 'silent' }),
    options,
  })
}

/**
 * Review's own flags (with their values) apart from the rest, which are webhook options.
 * `--flag value` and `--flag=value` both work; `-fFILE` and `-f FILE` too.
 */
function splitArgv(argv: readonly string[]): { own: string[]; rest: string[] } {
  const own: string[] = []
  const rest: string[] = []
  const shorts = new Map<string, string>(
    Object.entries(REVIEW_FLAGS).flatMap(([name, spec]) =>
      'short' in spec ? [[`-${spec.short}`, name] as const] : [],
    ),
  )
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const name = arg.startsWith('--') ? arg.slice(2).split('=')[0]! : shorts.get(arg.slice(0, 2))
    const spec = name === undefined ? undefined : REVIEW_FLAGS[name as keyof typeof REVIEW_FLAGS]
    if (spec === undefined) {
      rest.push(arg)
      continue
    }
    own.push(arg)
    const inline = arg.includes('=') || (!arg.startsWith('--') && arg.length > 2)
    if (spec.type === 'string' && !inline && i + 1 < argv.length) own.push(argv[++i]!)
  }
  return { own, rest }
}

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, strict: true, allowPositionals: false, options: REVIEW_FLAGS })
      .values
  } catch (err) {
    throw usage(`${messageOf(err)} (see --help)`)
  }
}

/**
 * The webhook's settings as `multinet webhook` would load them from the same flags,
 * environment and config file. `--policy-namespace` is review's older name for the webhook's
 * `--namespace` (which, here, names the namespace of a bare object).
 */
function webhookSettings(
  argv: readonly string[],
  io: CliIo,
  policyNamespace: string | undefined,
): WebhookSettings {
  let loaded: ReturnType<typeof loadOptions<WebhookSettings>>
  try {
    loaded = loadOptions(WEBHOOK_OPTIONS, {
      argv: policyNamespace === undefined ? argv : [...argv, '--namespace', policyNamespace],
      env: io.env,
      readFile: (path) => readFileSync(resolve(io.cwd, path), 'utf8'),
    })
  } catch (err) {
    // A bad option is the caller's mistake here (exit 2), whatever the webhook would make of it.
    throw usage(messageOf(err))
  }
  // `-h` and `--help` are review's own flags, split off before: never 'help' here.
  return (loaded as { config: WebhookSettings }).config
}

function tooLarge(source: string, size: number | string, limit: number): MultinetError {
  return usage(
    `${source} is ${size} bytes; the webhook refuses bodies over ${limit} bytes (--body-limit-bytes), so review does too`,
  )
}

async function readInput(cwd: string, file: string, limit: number): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(resolve(cwd, file), 'r')
  } catch (err) {
    throw new MultinetError('MN_ERR_USAGE', `cannot read ${file}: ${messageOf(err)}`, {
      cause: err,
    })
  }
  try {
    const { size } = await handle.stat()
    // Checked before reading: a 50 MiB file is refused without being read.
    if (size > limit) throw tooLarge(file, size, limit)
    return await handle.readFile('utf8')
  } finally {
    await handle.close()
  }
}

async function readStream(stream: NodeJS.ReadableStream, limit: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)
    size += buf.length
    // Stop reading at the limit: standard input may be endless.
    if (size > limit) throw tooLarge('stdin', `more than ${limit}`, limit)
    chunks.push(buf)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function usage(detail: string): MultinetError {
  return new MultinetError('MN_ERR_USAGE', detail)
}
