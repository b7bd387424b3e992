/**
 * The node's physical-network labels, read and patched with the agent's own credentials: a
 * JSON merge patch of `metadata.labels` only, with `null` for labels to remove, so no other
 * label or field of the Node is touched.
 */
import {
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node'
import { field, stringMap } from '../spec/object.js'
import { abortable } from './list-watch.js'

export interface NodeLabelClient {
  labels(): Promise<Record<string, string>>
  patch(changes: Readonly<Record<string, string | null>>): Promise<void>
}

export function nodeLabelClient(kc: KubeConfig, node: string, timeoutMs: number): NodeLabelClient {
  const core = kc.makeApiClient(CoreV1Api)
  return {
    labels: async () => {
      const obj: unknown = await core.readNode(
        { name: node },
        abortable(AbortSignal.timeout(timeoutMs)),
      )
      return stringMap(field(field(obj, 'metadata'), 'labels'))
    },
    patch: async (changes) => {
      await core.patchNode(
        { name: node, body: { metadata: { labels: changes } } },
        setHeaderOptions(
          'Content-Type',
          PatchStrategy.MergePatch,
          abortable(AbortSignal.timeout(timeoutMs)),
        ),
      )
    },
  }
}
