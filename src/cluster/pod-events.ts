/**
 * Kubernetes Events on the pod for what the agent did (`AddedInterface`, as Multus records it),
 * so `kubectl describe pod` shows each attachment. Best effort: a failure is logged at debug
 * and never delays or fails the CNI operation.
 */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node'
import type { Logger } from 'pino'
import type { EventRecorder, PodInfo } from '../agent/deps.js'
import { abortable, describeError } from './list-watch.js'

export function eventBody(pod: PodInfo, node: string, reason: string, message: string, now: Date) {
  return {
    metadata: { generateName: `${pod.name}.`, namespace: pod.namespace },
    involvedObject: {
      apiVersion: 'v1',
      kind: 'Pod',
      namespace: pod.namespace,
      name: pod.name,
      uid: pod.uid,
    },
    reason,
    message,
    type: 'Normal',
    source: { component: 'multinet-agent', host: node },
    reportingComponent: 'multinet.io/agent',
    reportingInstance: node,
    // Dates: the client's serializer writes them as RFC 3339.
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  }
}

export function podEventRecorder(
  kc: KubeConfig,
  node: string,
  timeoutMs: number,
  logger: Logger,
): EventRecorder {
  const core = kc.makeApiClient(CoreV1Api)
  return {
    addedInterface: (pod, message) => {
      core
        .createNamespacedEvent(
          {
            namespace: pod.namespace,
            body: eventBody(pod, node, 'AddedInterface', message, new Date()) as never,
          },
          abortable(AbortSignal.timeout(timeoutMs)),
        )
        .catch((err: unknown) =>
          logger.debug(
            { err: describeError(err), pod: `${pod.namespace}/${pod.name}` },
            'event not recorded',
          ),
        )
    },
  }
}
