/**
 * The cluster state from the API server: three reflectors (list + watch) keep NADs of all
 * namespaces, Namespace labels and the policy ConfigMaps of the webhook's namespace in memory,
 * so admission never calls the API on its hot path (network-resources-injector GETs each NAD
 * per request and times out at scale, its issue #101). The one exception is a NAD the cache does
 * not have yet: it is looked up once, with a short timeout, and a miss is not remembered. A
 * lookup that fails (403, 5xx, timeout) rejects with what happened, so that admission can say
 * "could not check" instead of "does not exist".
 *
 * `openKubeState` returns as soon as the watches are started. `sync().synced` turns true after
 * the first full list of all three, and only while the access policy can decide (policy-set.ts:
 * a broken policy ConfigMap with no valid copy keeps it false); a watch that goes down later keeps the cache serving and
 * shows in `sync().problems` and `stats().sources[*].staleSeconds` until it is back.
 */
import { CoreV1Api, CustomObjectsApi, Watch, type KubeConfig } from '@kubernetes/client-node'
import type { Logger } from 'pino'
import type { AdmissionOptions } from '../admission/options.js'
import type { NadInfo, NadUsage, SyncStatus } from '../admission/state.js'
import { field, stringField, stringMap } from '../spec/object.js'
import { isDns1123Label } from '../spec/names.js'
import { nadKey } from '../spec/types.js'
import { sharedConnections } from './api-connections.js'
import { loadKubeConfig } from './kube-config.js'
import {
  NAD_API,
  nadResource,
  namespaceResource,
  pageOf,
  policyConfigMapResource,
} from './kube-resources.js'
import { abortable, describeError, httpStatusOf } from './list-watch.js'
import { storedNad } from './nad-info.js'
import { UsageCounter, type PodRef } from './nad-usage.js'
import { PolicyKeeper } from './policy-keeper.js'
import { PolicySet, type PolicyConfigMap } from './policy-set.js'
import { DEFAULT_POLICY_STORE, kubePolicyStore } from './policy-store.js'
import { Reflector, type ReflectorOptions } from './reflector.js'
import type { StateSource } from './source.js'

export interface KubeStateOptions {
  /** `--kubeconfig`; without it `KUBECONFIG`, then the in-cluster service account. */
  readonly kubeconfig?: string
  /** The webhook's namespace: policy ConfigMaps are watched here only. */
  readonly namespace: string
  readonly logger: Logger
  readonly options: AdmissionOptions
  /** Bound on the direct lookup of a NAD missing from the cache (default 2000 ms). */
  readonly fetchTimeoutMs?: number
  /** Bound on listing the pods that select a NAD being deleted (default 4000 ms, under the 5 s webhook timeout the docs recommend for it). */
  readonly usageTimeoutMs?: number
  /**
   * ConfigMap in `namespace` that keeps the last valid content of each policy ConfigMap across
   * restarts (policy-store.ts); default `multinet-policy-last-good`, empty: not persisted.
   */
  readonly policyStore?: string
  /** A ready client configuration (tests); wins over `kubeconfig`. */
  readonly kubeConfig?: KubeConfig
  /** Reflector tuning (tests shorten the backoff). */
  readonly reflector?: Partial<Omit<ReflectorOptions, 'watcher' | 'logger' | 'onChange'>>
}

const DEFAULT_FETCH_TIMEOUT_MS = 2000
const DEFAULT_USAGE_TIMEOUT_MS = 4000
/** Finished pods hold no attachments; the server filters them out. */
const UNFINISHED_PODS = 'status.phase!=Succeeded,status.phase!=Failed'
const POD_PAGE = 500

export async function openKubeState(opts: KubeStateOptions): Promise<StateSource> {
  const kc = opts.kubeConfig ?? loadKubeConfig({ kubeconfig: opts.kubeconfig, env: process.env })
  const { options, namespace } = opts
  const log = opts.logger.child({ component: 'kube-state' })
  if (namespace !== options.policyNamespace) {
    log.warn(
      { namespace, policyNamespace: options.policyNamespace },
      'watching policy ConfigMaps in a namespace other than the policy namespace admission checks',
    )
  }
  // Lists, and the lookups a cache miss makes inside the API server's webhook timeout, reuse
  // their connections instead of a TLS handshake each (watches keep their own).
  const api = sharedConnections(kc)
  const custom = api.kubeConfig.makeApiClient(CustomObjectsApi)
  const core = api.kubeConfig.makeApiClient(CoreV1Api)
  const listeners = new Set<() => void>()
  const notify = (): void => listeners.forEach((l) => l())
  const base = { ...opts.reflector, watcher: new Watch(kc), logger: log }
  const policies = new PolicySet({
    namespace,
    label: options.policyLabel,
    logger: log,
    startUnloaded: true,
  })
  const storeName = opts.policyStore ?? DEFAULT_POLICY_STORE
  const keeper =
    storeName === ''
      ? undefined
      : new PolicyKeeper(policies, kubePolicyStore(core, namespace, storeName), {
          logger: log,
          ...(opts.reflector?.backoff ? { backoff: opts.reflector.backoff } : {}),
          onPolicyChange: notify,
        })

  const nads = new Reflector(
    nadResource(
      (page, signal) =>
        custom
          .listClusterCustomObject(
            { ...NAD_API, limit: page.limit, _continue: page.continueToken },
            abortable(signal),
          )
          .then(pageOf),
      options,
      log,
    ),
    { ...base, onChange: notify },
  )
  const namespaces = new Reflector(
    namespaceResource((page, signal) =>
      core
        .listNamespace({ limit: page.limit, _continue: page.continueToken }, abortable(signal))
        .then(pageOf),
    ),
    { ...base, onChange: notify },
  )
  const labelSelector = `${options.policyLabel}=true`
  const configMaps: Reflector<PolicyConfigMap> = new Reflector(
    policyConfigMapResource(
      (page, signal) =>
        core
          .listNamespacedConfigMap(
            { namespace, labelSelector, limit: page.limit, _continue: page.continueToken },
            abortable(signal),
          )
          .then(pageOf),
      namespace,
      labelSelector,
    ),
    {
      ...base,
      onChange: () => {
        policies.update(configMaps.values())
        keeper?.changed()
        notify()
      },
    },
  )

  const reflectors = [nads, namespaces, configMaps]
  // Ready to decide: every cache listed, and a policy that can decide (none of its ConfigMaps
  // broken without a valid copy; see policy-set.ts).
  const synced = (): boolean =>
    reflectors.every((r) => r.isSynced()) && policies.unavailable().length === 0
  const timeoutMs = opts.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS
  const inflight = new Map<string, Promise<NadInfo | undefined>>()

  /**
   * Why a direct lookup failed, for the user who is refused: the HTTP status and the API
   * server's message, or that it did not answer in time. Never "not found": that is a 404.
   */
  const lookupFailure = (err: unknown, signal: AbortSignal): Error =>
    new Error(
      signal.aborted
        ? `the API server did not answer within ${timeoutMs} ms`
        : `the API server answered ${describeError(err)}`,
    )

  /** One GET: the NAD, undefined on 404, or a rejection that says what happened. */
  const lookup = async (ns: string, name: string, key: string): Promise<NadInfo | undefined> => {
    const signal = AbortSignal.timeout(timeoutMs)
    try {
      const obj: unknown = await custom.getNamespacedCustomObject(
        { ...NAD_API, namespace: ns, name },
        abortable(signal),
      )
      const { nad, problems } = storedNad(obj, options)
      log.info({ nad: key, problems }, 'NAD found by direct lookup before its watch event')
      return nad
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined
      const failure = lookupFailure(err, signal)
      log.warn({ nad: key, err: failure.message, timeoutMs }, 'direct NAD lookup failed')
      throw failure
    }
  }

  const usageTimeoutMs = opts.usageTimeoutMs ?? DEFAULT_USAGE_TIMEOUT_MS
  /**
   * Pods are not cached (a cluster-wide pod watch would cost every webhook replica memory and
   * API load for an answer needed only when a NAD is deleted): list them then, page by page,
   * keeping only the names of those that select it.
   */
  const podsUsingNad = async (ns: string, name: string): Promise<NadUsage> => {
    const counter = new UsageCounter(ns, name)
    const signal = AbortSignal.timeout(usageTimeoutMs)
    try {
      let token: string | undefined
      do {
        const page = pageOf(
          await core.listPodForAllNamespaces(
            { fieldSelector: UNFINISHED_PODS, limit: POD_PAGE, _continue: token },
            abortable(signal),
          ),
        )
        counter.add(page.items.map(podRef))
        token = page.continueToken
      } while (token)
      return counter.result()
    } catch (err) {
      const reason = signal.aborted
        ? `the pod list took longer than ${usageTimeoutMs} ms`
        : describeError(err)
      log.warn({ nad: nadKey(ns, name), err: reason }, 'could not list pods to check NAD usage')
      return { ok: false, reason }
    }
  }

  log.info({ server: kc.getCurrentCluster()?.server, namespace }, 'starting cluster watches')
  reflectors.forEach((r) => r.start())
  keeper?.start()

  return {
    getNad: (ns, name) => nads.get(nadKey(ns, name)),
    fetchNad: (ns, name) => {
      const key = nadKey(ns, name)
      const cached = nads.get(key)
      if (cached !== undefined) return Promise.resolve(cached)
      // Names come from parsed annotations already; this keeps odd ones off the URL anyway.
      if (!isDns1123Label(ns) || !isDns1123Label(name)) return Promise.resolve(undefined)
      let pending = inflight.get(key)
      if (pending === undefined) {
        pending = lookup(ns, name, key).finally(() => inflight.delete(key))
        inflight.set(key, pending)
      }
      return pending
    },
    namespaceLabels: (ns) => namespaces.get(ns),
    fetchNamespaceLabels: async (ns) => {
      const cached = namespaces.get(ns)
      if (cached !== undefined || !isDns1123Label(ns)) return cached
      const signal = AbortSignal.timeout(timeoutMs)
      try {
        const obj = await core.readNamespace({ name: ns }, abortable(signal))
        log.info({ namespace: ns }, 'namespace found by direct lookup before its watch event')
        return stringMap(field(field(obj, 'metadata'), 'labels'))
      } catch (err) {
        if (httpStatusOf(err) === 404) return undefined
        const failure = lookupFailure(err, signal)
        log.warn(
          { namespace: ns, err: failure.message, timeoutMs },
          'direct namespace lookup failed',
        )
        throw failure
      }
    },
    podsUsingNad,
    policy: () => policies.policy(),
    sync: (): SyncStatus => ({
      synced: synced(),
      problems: [
        ...reflectors.flatMap((r) => r.problem() ?? []),
        ...policies.problems(),
        ...[keeper?.problem()].filter((p) => p !== undefined),
      ],
    }),
    waitForSync: (ms) =>
      new Promise<boolean>((resolve) => {
        if (synced()) return resolve(true)
        const check = (): void => {
          if (!synced()) return
          clearTimeout(timer)
          listeners.delete(check)
          resolve(true)
        }
        const timer = setTimeout(() => {
          listeners.delete(check)
          resolve(false)
        }, ms)
        listeners.add(check)
      }),
    stats: () => ({
      nads: nads.size,
      namespaces: namespaces.size,
      policyConfigMaps: configMaps.size,
      sources: Object.fromEntries(reflectors.map((r) => [r.name, r.counters()])),
      policyErrors: policies.problems().length,
    }),
    close: async () => {
      reflectors.forEach((r) => r.stop())
      await keeper?.close()
      listeners.clear()
      await api.close()
    },
  }
}

function podRef(obj: unknown): PodRef {
  const meta = field(obj, 'metadata')
  return {
    namespace: stringField(meta, 'namespace') ?? '',
    name: stringField(meta, 'name') ?? '',
    annotations: stringMap(field(meta, 'annotations')),
  }
}
