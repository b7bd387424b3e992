import type { FastifyError, FastifyReply } from 'fastify'
import { MultinetError, isMultinetError, messageOf } from '../errors.js'

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
 * JSON.parse, with its own syntax message (position included) and a refusal of `__proto__`
 * keys, which could poison objects if any later code merged the body into another object.
 */
export function parseJsonBody(text: string): unknown {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    const detail = text.trim() === '' ? 'the body is empty' : messageOf(err)
    throw new MultinetError('MN_ERR_HTTP_BAD_BODY', detail)
  }
  if (text.includes('"__proto__"') && hasProtoKey(value)) {
    throw new MultinetError('MN_ERR_HTTP_BAD_BODY', 'the key "__proto__" is not allowed')
  }
  return value
}

function hasProtoKey(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false
  if (Object.prototype.hasOwnProperty.call(value, '__proto__')) return true
  return Object.values(value).some(hasProtoKey)
}
