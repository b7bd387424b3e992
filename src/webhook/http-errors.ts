import type { FastifyError, FastifyReply } from 'fastify'
import { MultinetError, isMultinetError, messageOf } from '../errors.js'
import { jsonShape } from '../spec/json.js'
import { MAX_ECHO_CHARS, truncate } from '../spec/limits.js'

/** The JSON body of every HTTP error: a stable code, what is wrong, and the id to grep logs for. */
export interface ErrorBody {
  readonly code: string
  readonly message: string
  readonly requestId: string
}

export interface ErrorCounter {
  observeError(code: string): void
}

/**
 * Maps whatever a request failed with onto the catalogue: Fastify's body-parsing errors become
 * our 4xx codes, and anything unknown is our bug, a 500 that names the request id (the details
 * go to the log, never to the client).
 */
export function toHttpError(err: unknown, requestId: string, bodyLimit: number): MultinetError {
  if (isMultinetError(err)) return err
  const fastifyError = err as Partial<FastifyError>
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new MultinetError('MN_ERR_HTTP_BODY_TOO_LARGE', String(bodyLimit))
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new MultinetError('MN_ERR_HTTP_MEDIA_TYPE', '(unparsed)')
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new MultinetError('MN_ERR_HTTP_BAD_BODY', 'the body is empty')
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new MultinetError(
        'MN_ERR_HTTP_BAD_BODY',
        'the body size does not match Content-Length',
      )
  }
  const status = fastifyError.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // e.g. the client aborted mid-body: still the caller's problem, not ours.
    return new MultinetError('MN_ERR_HTTP_BAD_BODY', messageOf(err), { cause: err })
  }
  return new MultinetError('MN_ERR_INTERNAL', requestId, { cause: err })
}

export function sendError(
  reply: FastifyReply,
  err: MultinetError,
  counter: ErrorCounter,
): FastifyReply {
  counter.observeError(err.code)
  const body: ErrorBody = { code: err.code, message: err.message, requestId: reply.request.id }
  return reply.code(err.status).type('application/json').send(body)
}

/**
 * Deepest JSON nesting accepted in a request body. A Pod (managedFields included), a NAD or a
 * ConfigMap is nested about 15 levels; JSON.parse takes 100,000, but anything that later walks
 * the value recursively (a key check, JSON.stringify of a patch) would overflow the stack.
 */
export const MAX_BODY_DEPTH = 128

/**
 * Objects and lists in a request body. JSON.parse builds about 3 million empty objects per
 * second: the 1.3 million a 4 MiB body can hold took half a second. A pod of 1,000 fully
 * specified containers, managedFields included, holds some 20,000.
 */
export const MAX_BODY_CONTAINERS = 100_000

/**
 * JSON.parse, with its own syntax message (position included), a nesting bound checked by a
 * linear scan before parsing, and a refusal of `__proto__` keys, which could poison objects
 * if any later code merged the body into another object. The keys are checked after parsing,
 * so that an escaped spelling (`"\u005f_proto__"`) is caught as well.
 */
export function parseJsonBody(text: string): unknown {
  const shape = jsonShape(text, MAX_BODY_DEPTH, MAX_BODY_CONTAINERS)
  if (shape.depth > MAX_BODY_DEPTH) {
    throw new MultinetError(
      'MN_ERR_HTTP_BAD_BODY',
      `nested more than ${MAX_BODY_DEPTH} levels deep; at most ${MAX_BODY_DEPTH} are accepted`,
    )
  }
  if (shape.containers > MAX_BODY_CONTAINERS) {
    throw new MultinetError(
      'MN_ERR_HTTP_BAD_BODY',
      `holds more than ${MAX_BODY_CONTAINERS} objects and lists; an AdmissionReview holds a few thousand at most`,
    )
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    const detail = text.trim() === '' ? 'the body is empty' : messageOf(err)
    throw new MultinetError('MN_ERR_HTTP_BAD_BODY', detail)
  }
  // Without either substring no key can spell __proto__; with one, every key is looked at.
  if ((text.includes('__proto__') || text.includes('\\u')) && hasProtoKey(value)) {
    throw new MultinetError('MN_ERR_HTTP_BAD_BODY', 'the key "__proto__" is not allowed')
  }
  return value
}

/** Iterative (an explicit stack), so that no body shape can overflow the call stack. */
function hasProtoKey(root: unknown): boolean {
  const stack: unknown[] = [root]
  while (stack.length > 0) {
    const value = stack.pop()
    if (value === null || typeof value !== 'object') continue
    if (Object.prototype.hasOwnProperty.call(value, '__proto__')) return true
    for (const child of Object.values(value)) {
      if (child !== null && typeof child === 'object') stack.push(child)
    }
  }
  return false
}

/** Client-controlled text (a URL, a header) as it may appear in an error message. */
export function echo(text: string): string {
  return truncate(text, MAX_ECHO_CHARS)
}
