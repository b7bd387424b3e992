/**
 * Writes `k8s.v1.cni.cncf.io/network-status` through the pods/status subresource with a JSON
 * merge patch that names only that annotation, plus `metadata.resourceVersion` and `uid` as
 * preconditions: a concurrent change makes the API server answer 409 and the write is retried
 * on a fresh read, so nothing else on the pod is ever replaced (Multus #855 lost annotations to
 * a whole-object UpdateStatus), and a pod recreated under the same name is never written.
 * A request that failed below HTTP (a kept-alive connection the server closed as we sent) is
 * sent again: the preconditions make a repeat harmless (had the first gone through, the repeat
 * conflicts, the pod is re-read and the same value written).
 */
import {
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node'
import type { Logger } from 'pino'
import type { PodInfo, StatusWriter } from '../agent/deps.js'
import { formatNetworkStatus } from '../spec/network-status.js'
import { field, stringField } from '../spec/object.js'
import { ANNOTATIONS, type NetworkStatusEntry } from '../spec/types.js'
import { abortable, describeError, httpStatusOf } from './list-watch.js'

export interface PodStatusWriterOptions {
  readonly kubeConfig: KubeConfig
  readonly timeoutMs: number
  readonly logger: Logger
  readonly attempts?: number
}

export function statusPatch(pod: PodInfo, resourceVersion: string, value: string): object {
  const metadata: Record<string, unknown> = {
    uid: pod.uid,
    annotations: { [ANNOTATIONS.networkStatus]: value },
  }
  if (resourceVersion !== '') metadata.resourceVersion = resourceVersion
  return { metadata }
}

export class PodStatusWriter implements StatusWriter {
  private readonly core: CoreV1Api

  constructor(private readonly opts: PodStatusWriterOptions) {
    this.core = opts.kubeConfig.makeApiClient(CoreV1Api)
  }

  async write(pod: PodInfo, entries: readonly NetworkStatusEntry[]): Promise<boolean> {
    const value = formatNetworkStatus(entries)
    const attempts = this.opts.attempts ?? 5
    let resourceVersion = pod.resourceVersion
    for (let attempt = 1; ; attempt++) {
      const signal = AbortSignal.timeout(this.opts.timeoutMs)
      try {
        await this.core.patchNamespacedPodStatus(
          {
            namespace: pod.namespace,
            name: pod.name,
            body: statusPatch(pod, resourceVersion, value),
          },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch, abortable(signal)),
        )
        return true
      } catch (err) {
        const status = httpStatusOf(err)
        if (status === 404) return false
        // A timeout is not repeated: the caller's wait is bounded by one timeout per attempt.
        if (status === undefined && !signal.aborted && attempt < attempts) {
          this.opts.logger.debug(
            { pod: `${pod.namespace}/${pod.name}`, attempt, err: describeError(err) },
            'network-status write failed below HTTP; sending it again',
          )
          continue
        }
        if (status !== 409 || attempt >= attempts)
          throw new Error(describeError(err), { cause: err })
        this.opts.logger.debug(
          { pod: `${pod.namespace}/${pod.name}`, attempt },
          'network-status write conflicted; re-reading the pod',
        )
        const fresh = await this.read(pod)
        if (fresh === undefined) return false
        if (fresh.uid !== pod.uid) {
          throw new Error(`pod was recreated (UID ${fresh.uid}, attached UID ${pod.uid})`, {
            cause: err,
          })
        }
        resourceVersion = fresh.resourceVersion
      }
    }
  }

  private async read(pod: PodInfo): Promise<{ uid: string; resourceVersion: string } | undefined> {
    try {
      const obj: unknown = await this.core.readNamespacedPod(
        { namespace: pod.namespace, name: pod.name },
        abortable(AbortSignal.timeout(this.opts.timeoutMs)),
      )
      const meta = field(obj, 'metadata')
      return {
        uid: stringField(meta, 'uid') ?? '',
        resourceVersion: stringField(meta, 'resourceVersion') ?? '',
      }
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined
      throw new Error(`re-reading the pod after a conflict: ${describeError(err)}`, { cause: err })
    }
  }
}
