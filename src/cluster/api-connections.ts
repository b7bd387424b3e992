/**
 * API clients that keep their connections to the API server. client-node 2 builds a new undici
 * Agent for every request it sends (`KubeConfig.applySecurityAuthentication`), so every GET,
 * PATCH and Event create opened its own TCP + TLS connection: on the agent's ADD path that was
 * most of the network-status write (about 10 ms of a 12 ms PATCH on the development VM).
 *
 * `sharedConnections(kc)` returns a KubeConfig whose API clients (`makeApiClient`) still apply
 * the kubeconfig on every request (headers: a rotated service-account token is picked up at
 * once) but send through one dispatcher, whose keep-alive connections are reused. The dispatcher
 * is replaced by the freshly built one after `maxAgeMs`, so rotated TLS material (CA, client
 * certificate files) takes effect within that time; the old one is closed once its requests are
 * done. Watches (`new Watch(kc)`) do not go through this and are unaffected.
 */
import { KubeConfig, type RequestContext } from '@kubernetes/client-node'

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>

/** TLS material is re-read at least this often (ms). */
export const DEFAULT_CONNECTION_MAX_AGE_MS = 60_000

export interface SharedConnections {
  /** A KubeConfig like the given one whose API clients share their connections. */
  readonly kubeConfig: KubeConfig
  /** How many dispatchers were put into use (1 while the first is young enough; tests). */
  readonly generations: () => number
  /** Closes the dispatcher in use (shutdown); later requests build a new one. */
  close(): Promise<void>
}

export function sharedConnections(
  kc: KubeConfig,
  maxAgeMs = DEFAULT_CONNECTION_MAX_AGE_MS,
  now: () => number = Date.now,
): SharedConnections {
  let current: { dispatcher: Dispatcher; since: number } | undefined
  let generations = 0
  // A shallow copy: the clusters, users and contexts are the caller's (read only), and
  // makeApiClient hands the copy itself to each client as its authentication.
  const shared = Object.assign(Object.create(KubeConfig.prototype) as KubeConfig, kc)
  const apply = KubeConfig.prototype.applySecurityAuthentication
  shared.applySecurityAuthentication = async (context: RequestContext): Promise<void> => {
    await apply.call(kc, context)
    const fresh = context.getDispatcher()
    // No TLS options (plain http): fetch's global dispatcher, which keeps connections itself.
    if (fresh === undefined) return
    if (current === undefined || now() - current.since >= maxAgeMs) {
      const old = current?.dispatcher
      current = { dispatcher: fresh, since: now() }
      generations++
      // close() waits for the requests still running on it.
      void old?.close().catch(() => undefined)
      return
    }
    context.setDispatcher(current.dispatcher)
  }
  return {
    kubeConfig: shared,
    generations: () => generations,
    close: async () => {
      const old = current?.dispatcher
      current = undefined
      await old?.close().catch(() => undefined)
    },
  }
}
