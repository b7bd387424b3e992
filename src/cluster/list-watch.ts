/**
 * The seams between a reflector and the API: how one resource is listed and watched, and how
 * its objects are slimmed. kube-state.ts binds them to client-node; tests bind them to fakes.
 */
import {
  Observable,
  type ConfigurationOptions,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node'
import { field, stringField } from '../spec/object.js'
import { messageOf } from '../errors.js'

export interface ListPage {
  readonly items: readonly unknown[]
  readonly resourceVersion: string
  readonly continueToken?: string
}

export type ListFn = (
  page: { limit: number; continueToken?: string },
  signal: AbortSignal,
) => Promise<ListPage>

/** The part of client-node's `Watch` a reflector uses (tests substitute a fake). */
export interface Watcher {
  watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    onEvent: (type: string, obj: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<{ abort(): void }>
}

/** What one resource needs: where to list and watch, and how to slim an object. */
export interface ReflectorSpec<T> {
  readonly name: string
  readonly path: string
  readonly labelSelector?: string
  readonly list: ListFn
  keyOf(obj: unknown): string | undefined
  convert(obj: unknown, key: string): T
}

export function httpStatusOf(err: unknown): number | undefined {
  const code = field(err, 'statusCode') ?? field(err, 'code')
  return typeof code === 'number' ? code : undefined
}

/**
 * One line for logs and readiness: `HTTP 403: <the Status message>` for API errors (client-node
 * puts the whole response, headers included, in its message), the message for the rest.
 */
export function describeError(err: unknown): string {
  const status = httpStatusOf(err)
  const text = statusMessage(field(err, 'body')) ?? withCauses(err)
  return status === undefined ? `${text}` : `HTTP ${status}: ${text}`
}

/**
 * fetch (undici, under client-node 2) says only "fetch failed": the reason (ECONNREFUSED, a TLS
 * error, a reset) is in the `cause` chain, and an operator needs it.
 */
function withCauses(err: unknown): string {
  const parts: string[] = []
  let cur: unknown = err
  for (let depth = 0; cur !== undefined && cur !== null && depth < 4; depth++) {
    const line = messageOf(cur).split('\n')[0] ?? ''
    if (line !== '' && !parts.includes(line)) parts.push(line)
    cur = field(cur, 'cause')
  }
  return parts.join(': ')
}

function statusMessage(body: unknown): string | undefined {
  if (typeof body === 'string') {
    try {
      return statusMessage(JSON.parse(body))
    } catch {
      return undefined
    }
  }
  return stringField(body, 'message')
}

/** Per-call client options that abort the request when `signal` fires (shutdown, a timeout). */
export function abortable(signal: AbortSignal): ConfigurationOptions {
  const middleware = {
    pre: (ctx: RequestContext) => {
      ctx.setSignal(signal)
      return new Observable(Promise.resolve(ctx))
    },
    post: (res: ResponseContext) => new Observable(Promise.resolve(res)),
  }
  return { middleware: [middleware], middlewareMergeStrategy: 'append' }
}
