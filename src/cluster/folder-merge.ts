/**
 * Per-file contents -> the indexes a state answers from. Pure. Later files (in path order) win
 * over earlier ones for the same object, as with `kubectl apply -f` on the folder, and every
 * such collision is reported: in a review, an ambiguous state is a mistake worth hearing about.
 *
 * Namespaces: one declared by a Namespace manifest has its labels; one that only holds a NAD
 * or a policy ConfigMap exists too (the API server would not store an object in a namespace
 * that does not exist), with no labels of its own. Either way it carries
 * `kubernetes.io/metadata.name`, which the API server sets on every namespace and which policies
 * may select on. A namespace mentioned nowhere is unknown.
 */
import type { NadInfo } from '../admission/state.js'
import { nadKey } from '../spec/types.js'
import type { ManifestContent } from './manifests.js'
import type { PolicyConfigMap } from './policy-set.js'

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name'

export interface FolderIndex {
  readonly nads: ReadonlyMap<string, NadInfo>
  readonly namespaces: ReadonlyMap<string, Readonly<Record<string, string>>>
  readonly policyConfigMaps: readonly PolicyConfigMap[]
  readonly problems: readonly string[]
}

export function mergeFolder(files: Iterable<readonly [string, ManifestContent]>): FolderIndex {
  const problems: string[] = []
  const seen = new Map<string, string>()
  const claim = (file: string, what: string): void => {
    const first = seen.get(what)
    if (first !== undefined) {
      problems.push(`${file}: ${what} is defined again (first in ${first}); the later one is used`)
    } else seen.set(what, file)
  }
  const nads = new Map<string, NadInfo>()
  const declared = new Map<string, Readonly<Record<string, string>>>()
  const policies = new Map<string, PolicyConfigMap>()
  for (const [file, content] of files) {
    for (const nad of content.nads) {
      const key = nadKey(nad.namespace, nad.name)
      claim(file, `NetworkAttachmentDefinition ${key}`)
      nads.set(key, nad)
    }
    for (const ns of content.namespaces) {
      claim(file, `Namespace ${ns.name}`)
      declared.set(ns.name, ns.labels)
    }
    for (const cm of content.policyConfigMaps) {
      claim(file, `ConfigMap ${cm.namespace}/${cm.name}`)
      policies.set(cm.name, cm)
    }
  }
  const namespaces = new Map<string, Readonly<Record<string, string>>>()
  const implicit = [...nads.values(), ...policies.values()].map((o) => o.namespace)
  for (const name of [...declared.keys(), ...implicit]) {
    if (!namespaces.has(name)) {
      namespaces.set(name, { ...declared.get(name), [NAMESPACE_NAME_LABEL]: name })
    }
  }
  return { nads, namespaces, policyConfigMaps: [...policies.values()], problems }
}
