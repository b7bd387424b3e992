/**
 * One snapshot of what admission decides against: NADs, namespace labels and the policy
 * ConfigMaps, read once (paged) and converted exactly as the webhook's informers convert them
 * (kube-resources.ts specs, PolicySet), then served as a ClusterState. A CLI run needs no watch:
 * it answers for this moment.
 */
import { pino } from 'pino'
import type { AdmissionOptions } from '../../admission/options.js'
import type { ClusterState, NadInfo } from '../../admission/state.js'
import {
  nadResource,
  namespaceResource,
  policyConfigMapResource,
} from '../../cluster/kube-resources.js'
import type { ListFn } from '../../cluster/list-watch.js'
import { PolicySet, type PolicyConfigMap } from '../../cluster/policy-set.js'
import type { CompiledPolicy } from '../../policy/types.js'
import { nadKey } from '../../spec/types.js'
import type { KubeApi, Query } from './api.js'
import { isForbidden, step } from './connect.js'
import type { Progress } from './progress.js'

const silent = pino({ level: 'silent' })
/** The specs only convert here; listing goes through `KubeApi.pages`. */
const noList: ListFn = () => Promise.reject(new Error('not used'))

export const NAD_GROUP = 'k8s.cni.cncf.io'
const NAD_PATH = `/apis/${NAD_GROUP}/v1`

export interface ListScope {
  readonly api: KubeApi
  readonly pageSize: number
  readonly progress: Progress
}

/**
 * Every object of a list through `each`, one page at a time: the next page is asked for only
 * once `each` has finished with this one, so memory holds one page. Counts on the progress line.
 */
export async function forEachListed(
  scope: ListScope,
  what: { path: string; resource: string; group?: string; namespace?: string | undefined },
  query: Query,
  each: (obj: unknown) => void | Promise<void>,
): Promise<number> {
  let count = 0
  await step(
    scope.api,
    { verb: 'list', resource: what.resource, group: what.group, namespace: what.namespace },
    async () => {
      for await (const page of scope.api.pages(what.path, query, scope.pageSize)) {
        for (const obj of page) await each(obj)
        count += page.length
        scope.progress.update(what.resource, count)
      }
    },
  )
  scope.progress.done()
  return count
}

export async function listNads(
  scope: ListScope,
  options: AdmissionOptions,
  namespace: string | undefined,
  labelSelector?: string,
): Promise<NadInfo[]> {
  const spec = nadResource(noList, options, silent)
  const path =
    namespace === undefined
      ? `${NAD_PATH}/network-attachment-definitions`
      : `${NAD_PATH}/namespaces/${namespace}/network-attachment-definitions`
  const out: NadInfo[] = []
  await forEachListed(
    scope,
    { path, resource: 'network-attachment-definitions', group: NAD_GROUP, namespace },
    { labelSelector },
    (obj) => {
      const key = spec.keyOf(obj)
      if (key !== undefined) out.push(spec.convert(obj, key))
    },
  )
  return out
}

/**
 * Namespace labels, or undefined when RBAC forbids listing namespaces: admission then decides
 * as it does for a namespace it does not know (by name alone), and the caller says so.
 */
export async function listNamespaceLabels(
  scope: ListScope,
): Promise<Map<string, Readonly<Record<string, string>>> | undefined> {
  const spec = namespaceResource(noList)
  const out = new Map<string, Readonly<Record<string, string>>>()
  try {
    await forEachListed(
      scope,
      { path: '/api/v1/namespaces', resource: 'namespaces' },
      {},
      (obj) => {
        const key = spec.keyOf(obj)
        if (key !== undefined) out.set(key, spec.convert(obj, key))
      },
    )
  } catch (err) {
    if (isForbidden(err)) return undefined
    throw err
  }
  return out
}

export async function listPolicyConfigMaps(
  scope: ListScope,
  options: AdmissionOptions,
): Promise<PolicyConfigMap[]> {
  const ns = options.policyNamespace
  const labelSelector = `${options.policyLabel}=true`
  const spec = policyConfigMapResource(noList, ns, labelSelector)
  const out: PolicyConfigMap[] = []
  await forEachListed(
    scope,
    { path: `/api/v1/namespaces/${ns}/configmaps`, resource: 'configmaps', namespace: ns },
    { labelSelector },
    (obj) => {
      const key = spec.keyOf(obj)
      if (key !== undefined) out.push(spec.convert(obj, key))
    },
  )
  return out
}

export interface CompiledSet {
  readonly policy: CompiledPolicy
  /** Why the ConfigMaps (or some of them) are not what is in force; empty when all is well. */
  readonly problems: readonly string[]
}

/** The policy the webhook compiles from these ConfigMaps (PolicySet: merged in name order). */
export function compileConfigMaps(
  configMaps: readonly PolicyConfigMap[],
  options: AdmissionOptions,
): CompiledSet {
  const set = new PolicySet({
    namespace: options.policyNamespace,
    label: options.policyLabel,
    logger: silent,
  })
  set.update(configMaps)
  return { policy: set.policy(), problems: set.problems() }
}

/** A ClusterState over one snapshot; nothing is looked up later (the snapshot is complete). */
export function snapshotState(
  nads: readonly NadInfo[],
  namespaces: ReadonlyMap<string, Readonly<Record<string, string>>> | undefined,
  policy: CompiledPolicy,
): ClusterState {
  const byKey = new Map(nads.map((n) => [nadKey(n.namespace, n.name), n]))
  return {
    getNad: (ns, name) => byKey.get(nadKey(ns, name)),
    fetchNad: async () => undefined,
    namespaceLabels: (ns) => namespaces?.get(ns),
    fetchNamespaceLabels: async () => undefined,
    podsUsingNad: async () => ({ ok: false, reason: 'not asked by the plugin' }),
    policy: () => policy,
    sync: () => ({ synced: true, problems: [] }),
  }
}
