/**
 * What the webhook watches, one reflector spec per resource: where it lives and what of each
 * object is kept. kube-state.ts binds them to the API; bench/state-cache.ts feeds the NAD one
 * directly, so the benchmark measures the very code the informer runs.
 */
import type { Logger } from 'pino'
import { field, metadataOf, stringField, stringMap } from '../spec/object.js'
import type { AdmissionOptions } from '../admission/options.js'
import type { NadInfo } from '../admission/state.js'
import { nadKey } from '../spec/types.js'
import type { ListFn, ListPage, ReflectorSpec } from './list-watch.js'
import { storedNad } from './nad-info.js'
import type { PolicyConfigMap } from './policy-set.js'

export const NAD_API = {
  group: 'k8s.cni.cncf.io',
  version: 'v1',
  plural: 'network-attachment-definitions',
} as const

/** A list response of either client flavour (typed: `_continue`; custom objects: `continue`). */
export function pageOf(list: unknown): ListPage {
  const meta = field(list, 'metadata')
  const items = field(list, 'items')
  return {
    items: Array.isArray(items) ? items : [],
    resourceVersion: stringField(meta, 'resourceVersion') ?? '',
    continueToken: stringField(meta, '_continue') ?? stringField(meta, 'continue'),
  }
}

/** NADs of all namespaces; one that does not validate is kept (it exists) and logged. */
export function nadResource(
  list: ListFn,
  options: AdmissionOptions,
  log: Logger,
): ReflectorSpec<NadInfo> {
  return {
    name: 'nads',
    path: `/apis/${NAD_API.group}/${NAD_API.version}/${NAD_API.plural}`,
    list,
    keyOf: (obj) => {
      const m = metadataOf(obj)
      return m.name ? nadKey(m.namespace || 'default', m.name) : undefined
    },
    convert: (obj, key) => {
      const { nad, problems } = storedNad(obj, options)
      if (problems.length > 0) log.warn({ nad: key, problems }, 'stored NAD does not validate')
      if (nad === undefined) throw new Error('NAD without a name')
      return nad
    },
  }
}

/** Namespaces, for their labels (policy subjects select namespaces by label). */
export function namespaceResource(list: ListFn): ReflectorSpec<Readonly<Record<string, string>>> {
  return {
    name: 'namespaces',
    path: '/api/v1/namespaces',
    list,
    keyOf: (obj) => metadataOf(obj).name || undefined,
    convert: (obj) => stringMap(field(field(obj, 'metadata'), 'labels')),
  }
}

/**
 * ConfigMaps of one namespace that carry the policy label. The label selector makes the API
 * server send DELETED when a ConfigMap loses the label, so the policy drops it too.
 */
export function policyConfigMapResource(
  list: ListFn,
  namespace: string,
  labelSelector: string,
): ReflectorSpec<PolicyConfigMap> {
  return {
    name: 'policy-configmaps',
    path: `/api/v1/namespaces/${namespace}/configmaps`,
    labelSelector,
    list,
    keyOf: (obj) => metadataOf(obj).name || undefined,
    convert: (obj) => {
      const m = metadataOf(obj)
      const data = stringMap(field(obj, 'data'))
      return { name: m.name, namespace: m.namespace, labels: m.labels, data, origin: '' }
    },
  }
}
