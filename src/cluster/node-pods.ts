/**
 * The pods of one node, for the agent: a reflector (list + watch with the field selector
 * `spec.nodeName=<node>`, so memory and API load stay per node) keeping only what ADD needs,
 * and a lookup that waits briefly for a pod the watch has not delivered yet, then asks the API
 * directly once (the pod may have been bound a moment ago).
 */
import { CoreV1Api, Watch, type KubeConfig } from '@kubernetes/client-node'
import type { Logger } from 'pino'
import type { PodInfo, PodSource } from '../agent/deps.js'
import { field, metadataOf, stringField } from '../spec/object.js'
import { ANNOTATIONS } from '../spec/types.js'
import { pageOf } from './kube-resources.js'
import {
  abortable,
  describeError,
  httpStatusOf,
  type ReflectorSpec,
  type Watcher,
} from './list-watch.js'
import { Reflector, type ReflectorOptions } from './reflector.js'
import type { SourceCounters } from './source.js'

/** Annotations the agent reads; the rest of a pod is not kept. */
const KEPT = [ANNOTATIONS.networks, ANNOTATIONS.defaultNetwork] as const

export function podInfoOf(obj: unknown): PodInfo | undefined {
  const m = metadataOf(obj)
  const meta = field(obj, 'metadata')
  const uid = stringField(meta, 'uid')
  if (m.name === '' || m.namespace === '' || uid === undefined) return undefined
  const annotations: Record<string, string> = {}
  for (const key of KEPT)
    if (m.annotations[key] !== undefined) annotations[key] = m.annotations[key]
  return {
    namespace: m.namespace,
    name: m.name,
    uid,
    resourceVersion: stringField(meta, 'resourceVersion') ?? '',
    annotations,
  }
}

export function nodePodResource(list: ReflectorSpec<PodInfo>['list']): ReflectorSpec<PodInfo> {
  return {
    name: 'pods',
    path: '/api/v1/pods',
    list,
    keyOf: (obj) => {
      const m = metadataOf(obj)
      return m.name && m.namespace ? `${m.namespace}/${m.name}` : undefined
    },
    convert: (obj) => {
      const pod = podInfoOf(obj)
      if (pod === undefined) throw new Error('pod without namespace, name or uid')
      return pod
    },
  }
}

/** Adds a field selector to every watch (the reflector itself knows label selectors only). */
export function withFieldSelector(inner: Watcher, fieldSelector: string): Watcher {
  return {
    watch: (path, query, onEvent, done) =>
      inner.watch(path, { ...query, fieldSelector }, onEvent, done),
  }
}

export interface NodePodsOptions {
  readonly kubeConfig: KubeConfig
  readonly nodeName: string
  readonly logger: Logger
  /** How long ADD waits for the pod to show up in the cache before a direct GET. */
  readonly waitMs: number
  readonly apiTimeoutMs: number
  readonly reflector?: Partial<Omit<ReflectorOptions, 'watcher' | 'logger' | 'onChange'>>
}

export class NodePods implements PodSource {
  private readonly reflector: Reflector<PodInfo>
  private readonly core: CoreV1Api
  private readonly listeners = new Set<() => void>()

  constructor(private readonly opts: NodePodsOptions) {
    const fieldSelector = `spec.nodeName=${opts.nodeName}`
    this.core = opts.kubeConfig.makeApiClient(CoreV1Api)
    this.reflector = new Reflector(
      nodePodResource((page, signal) =>
        this.core
          .listPodForAllNamespaces(
            { fieldSelector, limit: page.limit, _continue: page.continueToken },
            abortable(signal),
          )
          .then(pageOf),
      ),
      {
        ...opts.reflector,
        watcher: withFieldSelector(new Watch(opts.kubeConfig), fieldSelector),
        logger: opts.logger.child({ component: 'node-pods', node: opts.nodeName }),
        onChange: () => this.listeners.forEach((l) => l()),
      },
    )
  }

  start(): void {
    this.reflector.start()
  }

  stop(): void {
    this.reflector.stop()
    this.listeners.clear()
  }

  isSynced(): boolean {
    return this.reflector.isSynced()
  }

  problem(): string | undefined {
    return this.reflector.problem()
  }

  health(): { synced: boolean; size: number; counters: SourceCounters } {
    return {
      synced: this.reflector.isSynced(),
      size: this.reflector.size,
      counters: this.reflector.counters(),
    }
  }

  cachedPod(namespace: string, name: string): PodInfo | undefined {
    return this.reflector.get(`${namespace}/${name}`)
  }

  async getPod(namespace: string, name: string, uid: string | undefined) {
    const matches = (p: PodInfo | undefined): p is PodInfo =>
      p !== undefined && (uid === undefined || p.uid === uid)
    const cached = this.cachedPod(namespace, name)
    if (matches(cached)) return cached
    // Absent: bound a moment ago, the watch is about to deliver it. Present with another UID:
    // the cache may lag a recreation, so the API decides at once.
    if (cached === undefined && this.opts.waitMs > 0) {
      this.opts.logger.debug(
        { pod: `${namespace}/${name}`, uid, waitMs: this.opts.waitMs },
        'pod not in the node cache yet; waiting for the watch',
      )
      const waited = await this.waitFor(() => this.cachedPod(namespace, name), matches)
      if (waited !== undefined) return waited
    }
    try {
      const obj: unknown = await this.core.readNamespacedPod(
        { namespace, name },
        abortable(AbortSignal.timeout(this.opts.apiTimeoutMs)),
      )
      return podInfoOf(obj)
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined
      throw new Error(describeError(err), { cause: err })
    }
  }

  private waitFor(
    get: () => PodInfo | undefined,
    ok: (p: PodInfo | undefined) => p is PodInfo,
  ): Promise<PodInfo | undefined> {
    return new Promise((resolve) => {
      const check = (): void => {
        const p = get()
        if (!ok(p)) return
        finish(p)
      }
      const finish = (p: PodInfo | undefined): void => {
        clearTimeout(timer)
        this.listeners.delete(check)
        resolve(p)
      }
      const timer = setTimeout(() => finish(undefined), this.opts.waitMs)
      this.listeners.add(check)
    })
  }
}
