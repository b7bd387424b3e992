import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Endpoint, Outcome } from '../admission/handle.js'
import type { AdmissionReviewResponse } from '../admission/review.js'
import { MultinetError, isMultinetError } from '../errors.js'
import { MAX_FINDINGS_SHOWN, shownLines, truncate } from '../spec/limits.js'
import type { WebhookMetrics } from './metrics.js'
import { echo, sendError } from './http-errors.js'

/** handleReview with the cluster state and options already bound. */
export type ReviewHandler = (
  endpoint: Endpoint,
  body: unknown,
) => Promise<{ review: AdmissionReviewResponse; outcome: Outcome }>

const ENDPOINTS: readonly Endpoint[] = ['validate', 'mutate']

/**
 * POST /validate and POST /mutate. A well-formed review always gets 200 with the decision in
 * the body (a denial is an answer); only an envelope the API server could not have meant gets
 * an HTTP error, which the webhook's failurePolicy then decides.
 */
export function registerAdmissionRoutes(
  app: FastifyInstance,
  handle: ReviewHandler,
  metrics: WebhookMetrics,
): void {
  for (const endpoint of ENDPOINTS) {
    app.post(`/${endpoint}`, { onRequest: requireJson }, async (request, reply) => {
      const started = performance.now()
      let result: Awaited<ReturnType<ReviewHandler>>
      try {
        result = await handle(endpoint, request.body)
      } catch (err) {
        if (isMultinetError(err) && err.status === 400) {
          request.log.warn({ endpoint, code: err.code, err: err.message }, 'malformed review')
          return sendError(reply, err, metrics)
        }
        throw err
      }
      const { review, outcome } = result
      metrics.observeAdmission(outcome, (performance.now() - started) / 1000)
      logOutcome(request, outcome)
      return review
    })
  }
}

/**
 * Only JSON is an AdmissionReview; refusing early spares parsing a body we will not use. A
 * callback hook, not an async one: no promise per request.
 */
function requireJson(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: (err?: MultinetError) => void,
): void {
  const type = request.headers['content-type']
  // The API server sends exactly this; anything else takes the general path.
  if (type === 'application/json') return done()
  const media = (type ?? '').split(';')[0]?.trim().toLowerCase()
  if (media !== 'application/json') {
    return done(
      new MultinetError(
        'MN_ERR_HTTP_MEDIA_TYPE',
        type === undefined ? '(none)' : JSON.stringify(echo(type)),
      ),
    )
  }
  done()
}

/** Longest name, namespace or kind in a log line: they are user input until validated. */
const MAX_LOGGED_NAME = 253

/**
 * One line per decision, bounded whatever the request held: 20,000 problems log as 20 and a
 * count, a 1 MiB name as its first 253 characters.
 */
function logOutcome(request: FastifyRequest, outcome: Outcome): void {
  const name = (text: unknown): string => truncate(String(text), MAX_LOGGED_NAME)
  const fields = {
    uid: name(outcome.uid),
    endpoint: outcome.endpoint,
    kind: name(outcome.kind),
    operation: outcome.operation,
    namespace: name(outcome.namespace),
    name: name(outcome.name),
  }
  if (!outcome.allowed) {
    const rules = [...new Set(outcome.deniedBy)].slice(0, MAX_FINDINGS_SHOWN)
    const reasons = shownLines(outcome.reasons, 'problem')
    request.log.info({ ...fields, rules, reasons }, 'denied')
    return
  }
  const audits = shownLines([...new Set(outcome.audits)], 'rule')
  if (outcome.audits.length > 0) {
    // Audit mode: allowed, but an admin asked to see every refusal the policy would make.
    request.log.info({ ...fields, audits }, 'allowed with audit findings')
    return
  }
  request.log.debug(
    { ...fields, patched: outcome.patched, warnings: shownLines(outcome.warnings, 'warning') },
    'allowed',
  )
}
