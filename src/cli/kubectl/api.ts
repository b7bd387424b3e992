/**
 * Read-only access to the API server for the plugin commands: GET of one object and paged
 * lists, as raw JSON. client-node's typed API would turn every pod into a class instance with
 * Dates and undefined-valued keys, which costs time on 10,000 pods and is not the JSON the
 * webhook sees; the kubeconfig (certificates, tokens, exec plugins) still comes through
 * client-node's KubeConfig.
 */
import type { KubeConfig } from '@kubernetes/client-node'
import { request as httpRequest, type RequestOptions } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { field, stringField } from '../../spec/object.js'

/** A failed request: `status` is the HTTP status, or undefined when no answer came. */
export class ApiRequestError extends Error {
  constructor(
    readonly path: string,
    readonly status: number | undefined,
    readonly reason: string,
  ) {
    super(status === undefined ? reason : `HTTP ${status}: ${reason}`)
    this.name = 'ApiRequestError'
  }
}

export type Query = Readonly<Record<string, string | number | undefined>>

export class KubeApi {
  readonly server: string

  constructor(
    private readonly kc: KubeConfig,
    private readonly timeoutMs: number,
  ) {
    this.server = kc.getCurrentCluster()?.server ?? ''
  }

  /** Who asks, for messages: the current context (the server names the user it saw). */
  get user(): string {
    return `context "${this.kc.getCurrentContext()}"`
  }

  async get(path: string, query: Query = {}): Promise<unknown> {
    // The server may carry a path prefix (behind a proxy): keep it.
    const base = new URL(this.server)
    const url = new URL(`${base.origin}${base.pathname.replace(/\/$/, '')}${path}`)
    for (const [k, v] of Object.entries(query))
      if (v !== undefined) url.searchParams.set(k, String(v))
    const opts: RequestOptions & Record<string, unknown> = { method: 'GET', headers: {} }
    await this.kc.applyToHTTPSOptions(opts)
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest
    return new Promise((resolve, reject) => {
      const req = send(url, { ...opts, headers: { ...opts.headers, accept: 'application/json' } })
      req.setTimeout(this.timeoutMs, () =>
        req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)),
      )
      req.on('error', (err) => reject(new ApiRequestError(path, undefined, causeOf(err))))
      req.on('response', (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', (err) => reject(new ApiRequestError(path, undefined, causeOf(err))))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let body: unknown
          try {
            body = JSON.parse(text)
          } catch {
            body = undefined
          }
          const status = res.statusCode ?? 0
          if (status >= 200 && status < 300 && body !== undefined) return resolve(body)
          const reason = stringField(body, 'message') ?? (text.slice(0, 200) || 'no body')
          reject(new ApiRequestError(path, status, reason))
        })
      })
      req.end()
    })
  }

  /** A list, page by page (`limit` + `continue`), so that memory holds one page at a time. */
  async *pages(path: string, query: Query, pageSize: number): AsyncGenerator<unknown[]> {
    let token: string | undefined
    do {
      const list = await this.get(path, { ...query, limit: pageSize, continue: token })
      const items = field(list, 'items')
      yield Array.isArray(items) ? items : []
      token = stringField(field(list, 'metadata'), 'continue') || undefined
    } while (token)
  }
}

function causeOf(err: unknown): string {
  const code = stringField(err, 'code')
  const message = err instanceof Error ? err.message : String(err)
  return code && !message.includes(code) ? `${code}: ${message}` : message
}
