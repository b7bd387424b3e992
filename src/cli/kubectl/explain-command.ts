/**
 * `multinet explain pod/NAME` or `explain -f FILE`: the webhook's decision for an existing pod
 * (as if it were created now) or a new manifest, against the live NADs, namespaces and policy:
 * the very text of `multinet review -o text`.
 */
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { MultinetError, messageOf } from '../../errors.js'
import { EXIT, type CliIo } from '../io.js'
import { parseDocument, toReview } from '../review-input.js'
import { formatReviewText } from '../review-text.js'
import type { CommandSpec } from './args.js'
import { admit, asCreated } from './admit.js'
import { step } from './connect.js'
import {
  compileConfigMaps,
  listNads,
  listNamespaceLabels,
  listPolicyConfigMaps,
  snapshotState,
} from './live-state.js'
import { warnNamespaces } from './networks-command.js'
import { runCommand, type Session } from './session.js'

const SPEC: CommandSpec = {
  name: 'explain',
  usage:
    'multinet explain (pod/NAME | -f FILE) [-n NS] [--context NAME] [--kubeconfig FILE] [-o text|json]',
  intro:
    "The webhook's decision for an existing pod (as if it were created now) or for a manifest (a Pod, NetworkAttachmentDefinition or policy ConfigMap), against the live NADs, namespaces and policy: the same text as `multinet review -o text` (-o json: the AdmissionReview response). Exit status: 0 allowed, 1 denied, 2 bad input, 3 the cluster could not be read.",
  keys: ['output', 'filename'],
  positionals: 1,
}

export function explainCommand(argv: string[], io: CliIo): Promise<number> {
  return runCommand(SPEC, argv, io, async (s) => {
    const output = s.settings.output ?? 'text'
    if (output !== 'text' && output !== 'json') {
      throw new MultinetError(
        'MN_ERR_USAGE',
        `-o must be text or json for explain, not "${output}"`,
      )
    }
    const namespace = s.conn.namespace ?? 'default'
    const body = toReview(await objectToExplain(s, namespace), sourceOf(s), {
      namespace,
      username: 'multinet-review',
      groups: [],
    })
    const nads = await listNads(s, s.options, undefined)
    const namespaces = await listNamespaceLabels(s)
    if (namespaces === undefined) warnNamespaces(s)
    const compiled = compileConfigMaps(await listPolicyConfigMaps(s, s.options), s.options)
    for (const p of compiled.problems) s.warn(`live policy: ${p}`)
    const result = await admit(body, snapshotState(nads, namespaces, compiled.policy), s.options)
    io.stdout.write(
      output === 'text'
        ? formatReviewText(result.outcome, result.review, result.patch)
        : `${JSON.stringify(result.review, null, 2)}\n`,
    )
    return result.review.response.allowed ? EXIT.ok : EXIT.denied
  })
}

function sourceOf(s: Session): string {
  return s.settings.filename ?? s.positionals[0] ?? ''
}

async function objectToExplain(s: Session, namespace: string): Promise<unknown> {
  const file = s.settings.filename
  const target = s.positionals[0]
  if ((file === undefined) === (target === undefined)) {
    throw new MultinetError('MN_ERR_USAGE', 'give either pod/NAME or -f FILE (see --help)')
  }
  if (file !== undefined) {
    const text = file === '-' ? await readStream(s.io.stdin) : await readInput(s.io.cwd, file)
    return parseDocument(text, file === '-' ? 'stdin' : file)
  }
  const m = /^(?:pods?|po)\/(.+)$/.exec(target as string)
  if (!m) {
    throw new MultinetError(
      'MN_ERR_USAGE',
      `"${target}": name a pod as pod/NAME (explain answers for pods; give other objects with -f)`,
    )
  }
  const name = m[1] as string
  const pod = await step(s.api, { verb: 'get', resource: 'pods', namespace }, async () => {
    try {
      return await s.api.get(`/api/v1/namespaces/${namespace}/pods/${encodeURIComponent(name)}`)
    } catch (err) {
      if ((err as { status?: number }).status === 404) {
        throw new MultinetError(
          'MN_ERR_KUBE_NOT_FOUND',
          `pod ${name} in namespace ${namespace} (list them with: kubectl get pods -n ${namespace}; another namespace: -n NS)`,
        )
      }
      throw err
    }
  })
  return asCreated(pod)
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
