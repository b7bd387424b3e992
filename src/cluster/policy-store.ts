/**
 * Where the last valid content of each policy ConfigMap survives a restart: one ConfigMap in the
 * webhook's own namespace (default `multinet-policy-last-good`), written by the webhook. Only
 * whoever may write ConfigMaps in that namespace (the admins who write the policy itself, and
 * the webhook) can change it, and the webhook re-validates every copy it reads: a copy stands in
 * only for a policy ConfigMap that is invalid now, never adds a ConfigMap that is not there.
 *
 * Layout: one data key per policy ConfigMap, `<namespace>.<name>` (a namespace has no dot, so
 * the first dot splits), whose value is JSON `{"namespace","name","data"}`. It carries no policy
 * label, so it is never read as policy. Writes are JSON merge patches of the keys that changed,
 * so replicas that agree write the same thing and need no resourceVersion dance.
 */
import {
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1ConfigMap,
} from '@kubernetes/client-node'
import { field, isObject, stringField, stringMap } from '../spec/object.js'
import { abortable, describeError, httpStatusOf } from './list-watch.js'
import type { PolicyCopy } from './policy-set.js'

export const DEFAULT_POLICY_STORE = 'multinet-policy-last-good'

/** What the store holds: the copies, and entries it could not read (named, for the log). */
export interface StoredCopies {
  readonly copies: ReadonlyMap<string, PolicyCopy>
  readonly unreadable: readonly string[]
}

export interface PolicyStore {
  /** Where, for messages: `namespace/name`. */
  readonly where: string
  /** Reads every copy; an absent store holds none. Rejects when the API cannot answer. */
  load(signal: AbortSignal): Promise<StoredCopies>
  /**
   * Writes the copies given and removes the keys mapped to null. When the store is gone (never
   * made, or deleted by hand), it is created with `all`, every copy that should be there.
   */
  save(
    changes: ReadonlyMap<string, PolicyCopy | null>,
    all: ReadonlyMap<string, PolicyCopy>,
    signal: AbortSignal,
  ): Promise<void>
}

/** The data key of a copy (ConfigMap keys allow `[-._a-zA-Z0-9]`). */
export const storeKey = (c: { namespace: string; name: string }): string =>
  `${c.namespace}.${c.name}`

/** Decodes one stored value; undefined when it is not a copy (hand-edited, truncated). */
export function decodeCopy(value: string): PolicyCopy | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    return undefined
  }
  const namespace = stringField(parsed, 'namespace')
  const name = stringField(parsed, 'name')
  const data = field(parsed, 'data')
  if (!namespace || !name || !isObject(data)) return undefined
  return { namespace, name, data: stringMap(data) }
}

export function encodeCopy(copy: PolicyCopy): string {
  return JSON.stringify({ namespace: copy.namespace, name: copy.name, data: copy.data })
}

/** Reads a store ConfigMap's data into copies keyed `namespace/name`. */
export function copiesOf(data: Readonly<Record<string, string>>): StoredCopies {
  const copies = new Map<string, PolicyCopy>()
  const unreadable: string[] = []
  for (const [key, value] of Object.entries(data)) {
    const copy = decodeCopy(value)
    if (copy && storeKey(copy) === key) copies.set(`${copy.namespace}/${copy.name}`, copy)
    else unreadable.push(key)
  }
  return { copies, unreadable }
}

export function kubePolicyStore(core: CoreV1Api, namespace: string, name: string): PolicyStore {
  const where = `${namespace}/${name}`
  return {
    where,
    load: async (signal) => {
      try {
        const cm = await core.readNamespacedConfigMap({ namespace, name }, abortable(signal))
        return copiesOf(stringMap(cm.data))
      } catch (err) {
        if (httpStatusOf(err) === 404) return { copies: new Map(), unreadable: [] }
        throw new Error(`cannot read ConfigMap ${where}: ${describeError(err)}`, { cause: err })
      }
    },
    save: async (changes, all, signal) => {
      const data: Record<string, string | null> = {}
      for (const [key, copy] of changes) {
        const [ns = '', n = ''] = key.split('/')
        data[storeKey({ namespace: ns, name: n })] = copy === null ? null : encodeCopy(copy)
      }
      const patch = async (): Promise<void> => {
        await core.patchNamespacedConfigMap(
          { namespace, name, body: { data } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch, abortable(signal)),
        )
      }
      try {
        try {
          await patch()
        } catch (err) {
          if (httpStatusOf(err) !== 404) throw err
          const body: V1ConfigMap = {
            metadata: {
              name,
              namespace,
              labels: { 'app.kubernetes.io/managed-by': 'multinet-webhook' },
              annotations: {
                'multinet.io/description':
                  'The last valid content of each access policy ConfigMap, kept by the webhook so that an invalid policy never opens access after a restart. Do not edit.',
              },
            },
            data: Object.fromEntries([...all.values()].map((c) => [storeKey(c), encodeCopy(c)])),
          }
          try {
            await core.createNamespacedConfigMap({ namespace, body }, abortable(signal))
          } catch (createErr) {
            // Another replica created it in between: patch that one.
            if (httpStatusOf(createErr) !== 409) throw createErr
            await patch()
          }
        }
      } catch (err) {
        throw new Error(`cannot write ConfigMap ${where}: ${describeError(err)}`, { cause: err })
      }
    },
  }
}
