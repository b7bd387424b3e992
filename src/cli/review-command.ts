import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { applyPatch } from '../admission/apply-patch.js'
import { handleReview, type Outcome } from '../admission/handle.js'
import { field, isObject } from '../spec/object.js'
import { DEFAULT_ADMISSION_OPTIONS, type AdmissionOptions } from '../admission/options.js'
import type { AdmissionReviewResponse, PatchOp } from '../admission/review.js'
import type { ClusterState } from '../admission/state.js'
import { isMultinetError, messageOf, MultinetError } from '../errors.js'
import { EXIT, type CliIo } from './io.js'
import { parseDocument, toReview } from './review-input.js'
import { formatReviewText } from './review-text.js'

const HELP = `Usage: multinet review [-f FILE] [--state DIR] [-o json|text] [options]

Decides an AdmissionReview offline, exactly as the webhook would, and prints the response.
A bare Pod, NetworkAttachmentDefinition or policy ConfigMap is wrapped into a CREATE review.
For a Pod CREATE both sides run as the API server runs them: mutate, then validate the mutated
pod; the printed response carries the validation decision and the mutation patch.

Options:
  -f, --file FILE          input (YAML or JSON); "-" or absent: standard input
      --state DIR          folder of manifests (NADs, Namespaces, policy ConfigMaps) to decide
                           against; without it the cluster is empty and the default policy applies
  -o, --output FORMAT      json (the response AdmissionReview, default) or text (a summary that
                           explains each network's decision and the injected patch)
      --endpoint NAME      both (default), validate or mutate
      --policy-namespace NS  namespace whose labelled ConfigMaps are policy (default ${DEFAULT_ADMISSION_OPTIONS.policyNamespace})
      --namespace NS       namespace for a bare object that has none (default "default")
      --user NAME          requesting user for a wrapped object (default "multinet-review")
      --group NAME         requesting user's group (repeatable)
  -h, --help               this help

Exit status: 0 allowed, 1 denied, 2 bad input.
`

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
  const args = parseFlags(argv)
  if (args.help) {
    io.stdout.write(HELP)
    return EXIT.ok
  }
  const output = args.output ?? 'json'
  const endpoint = args.endpoint ?? 'both'
  if (output !== 'json' && output !== 'text')
    throw usage(`-o must be json or text, not "${output}"`)
  if (!['both', 'validate', 'mutate'].includes(endpoint)) {
    throw usage(`--endpoint must be both, validate or mutate, not "${endpoint}"`)
  }
  const options: AdmissionOptions = Object.freeze({
    ...DEFAULT_ADMISSION_OPTIONS,
    policyNamespace: args['policy-namespace'] ?? DEFAULT_ADMISSION_OPTIONS.policyNamespace,
  })
  const source = args.file && args.file !== '-' ? args.file : 'stdin'
  const text = source === 'stdin' ? await readStream(io.stdin) : await readInput(io.cwd, source)
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

interface Decided {
  review: AdmissionReviewResponse
  outcome: Outcome
  patch: PatchOp[]
}

/** Runs the API server's order for a pod CREATE: mutate, apply the patch, validate the result. */
async function decide(
  endpoint: string,
  body: unknown,
  state: ClusterState,
  options: AdmissionOptions,
): Promise<Decided> {
  if (endpoint !== 'both') {
    const r = await handleReview(
      endpoint === 'mutate' ? 'mutate' : 'validate',
      body,
      state,
      options,
    )
    return { ...r, patch: decodePatch(r.review) }
  }
  const mutated = await handleReview('mutate', body, state, options)
  if (!mutated.review.response.allowed) return { ...mutated, patch: [] }
  const patch = decodePatch(mutated.review)
  const request = field(body, 'request')
  const patchedBody =
    patch.length > 0 && isObject(body) && isObject(request)
      ? { ...body, request: { ...request, object: applyPatch(request.object, patch) } }
      : body
  const validated = await handleReview('validate', patchedBody, state, options)
  const response = { ...validated.review.response }
  if (response.allowed && mutated.review.response.patch) {
    Object.assign(response, { patchType: 'JSONPatch', patch: mutated.review.response.patch })
  }
  const outcome: Outcome = {
    ...validated.outcome,
    patched: response.allowed && patch.length > 0,
    explain: [
      ...validated.outcome.explain,
      ...mutated.outcome.explain.filter((l) => !validated.outcome.explain.includes(l)),
    ],
    warnings: [...mutated.outcome.warnings, ...validated.outcome.warnings],
  }
  return {
    review: { ...validated.review, response },
    outcome,
    patch: response.allowed ? patch : [],
  }
}

function decodePatch(review: AdmissionReviewResponse): PatchOp[] {
  const p = review.response.patch
  return p ? (JSON.parse(Buffer.from(p, 'base64').toString('utf8')) as PatchOp[]) : []
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

function parseFlags(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        file: { type: 'string', short: 'f' },
        state: { type: 'string' },
        output: { type: 'string', short: 'o' },
        endpoint: { type: 'string' },
        'policy-namespace': { type: 'string' },
        namespace: { type: 'string' },
        user: { type: 'string' },
        group: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    }).values
  } catch (err) {
    throw usage(`${messageOf(err)} (see --help)`)
  }
}

async function readInput(cwd: string, file: string): Promise<string> {
  try {
    return await readFile(resolve(cwd, file), 'utf8')
  } catch (err) {
    throw new MultinetError('MN_ERR_USAGE', `cannot read ${file}: ${messageOf(err)}`, {
      cause: err,
    })
  }
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))
  return Buffer.concat(chunks).toString('utf8')
}

function usage(detail: string): MultinetError {
  return new MultinetError('MN_ERR_USAGE', detail)
}
