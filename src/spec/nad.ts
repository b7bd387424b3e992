/**
 * NetworkAttachmentDefinition objects (multi-net-spec §3): the object shape, the name, the CNI
 * config in `spec.config`, and the annotations Multinet acts on. The CRD's own schema is only
 * `spec.config: string`, so everything here is ours to check. Never throws.
 */
import type { NadInfo } from './types.js'
import { validateCniConfig, cniTypesOf } from './cni-config.js'
import { error, errorsOf, type Finding } from './finding.js'
import { isObject, jsonTypeOf, parseJson, pathKey, showValue as show } from './json.js'
import {
  dns1123LabelProblem,
  extendedResourceNameProblem,
  labelKeyProblem,
  labelValueProblem,
} from './names.js'
import { ANNOTATIONS } from './types.js'

export const NAD_API_VERSION = 'k8s.cni.cncf.io/v1'
export const NAD_KIND = 'NetworkAttachmentDefinition'
/** Annotation prefixes whose keys NadInfo keeps. */
const KEPT_PREFIXES = ['k8s.v1.cni.cncf.io/', 'multinet.io/']

export interface NadValidation {
  /** What admission keeps of the NAD; absent when there is an error. */
  readonly nad?: NadInfo
  /** `spec.config` parsed, `name` inferred; absent when the config is on disk or invalid. */
  readonly config?: Record<string, unknown>
  readonly findings: Finding[]
}

export interface NadValidationOptions {
  /** Annotation keys whose value must be an extended resource name (NRI's resource-name keys). */
  readonly resourceNameKeys?: readonly string[]
}

export interface NadInfoOptions {
  /** Annotation keys to keep besides `k8s.v1.cni.cncf.io/*` and `multinet.io/*`. */
  readonly extraAnnotationKeys?: readonly string[]
  /** Namespace for an object without one (a manifest file); default `default`. */
  readonly defaultNamespace?: string
}

export function validateNad(obj: unknown, options: NadValidationOptions = {}): NadValidation {
  const findings: Finding[] = []
  const shape = (path: string, message: string) => findings.push(error('nad.object', path, message))
  if (!isObject(obj)) {
    shape('object', `must be a ${NAD_KIND} object, got ${jsonTypeOf(obj)}`)
    return { findings }
  }
  if (obj.apiVersion !== NAD_API_VERSION) {
    shape(
      'apiVersion',
      `must be ${NAD_API_VERSION}, got ${obj.apiVersion === undefined ? 'nothing' : show(obj.apiVersion)}`,
    )
  }
  if (obj.kind !== NAD_KIND) {
    shape('kind', `must be ${NAD_KIND}, got ${obj.kind === undefined ? 'nothing' : show(obj.kind)}`)
  }

  const meta = obj.metadata
  let name = ''
  let annotations: Record<string, unknown> = {}
  if (!isObject(meta)) {
    shape('metadata', `must be an object with at least a name, got ${jsonTypeOf(meta)}`)
  } else {
    if (typeof meta.name !== 'string') {
      findings.push(
        error('nad.name', 'metadata.name', `is required as a string, got ${jsonTypeOf(meta.name)}`),
      )
    } else {
      name = meta.name
      const problem = dns1123LabelProblem(name)
      if (problem) {
        findings.push(
          error(
            'nad.name',
            'metadata.name',
            `${show(name)} ${problem} (so that pods can select it as <namespace>/<name>)`,
          ),
        )
      }
    }
    if (meta.namespace !== undefined) {
      const problem =
        typeof meta.namespace === 'string'
          ? dns1123LabelProblem(meta.namespace)
          : `must be a string, got ${jsonTypeOf(meta.namespace)}`
      if (problem) shape('metadata.namespace', problem)
    }
    for (const key of ['labels', 'annotations'] as const) {
      const map = meta[key]
      if (map === undefined || map === null) continue
      if (!isObject(map)) {
        shape(`metadata.${key}`, `must be a map of strings, got ${jsonTypeOf(map)}`)
        continue
      }
      for (const [k, v] of Object.entries(map)) {
        if (typeof v !== 'string')
          shape(pathKey(`metadata.${key}`, k), `must be a string, got ${jsonTypeOf(v)}`)
      }
      if (key === 'annotations') annotations = map
    }
  }

  let config: Record<string, unknown> | undefined
  const spec = obj.spec
  if (spec !== undefined && !isObject(spec)) {
    shape('spec', `must be an object, got ${jsonTypeOf(spec)}`)
  } else if (spec !== undefined && spec.config !== undefined && spec.config !== '') {
    if (typeof spec.config !== 'string') {
      findings.push(
        error(
          'nad.config-json',
          'spec.config',
          `must be a string holding the CNI JSON, got ${jsonTypeOf(spec.config)}`,
        ),
      )
    } else {
      const result = validateCniConfig(spec.config, name)
      findings.push(...result.findings)
      config = result.config
    }
  }

  findings.push(...annotationFindings(annotations, options))
  if (errorsOf(findings).length > 0) return { findings }
  const nad = toNadInfo(obj, { extraAnnotationKeys: options.resourceNameKeys })
  return config ? { nad, config, findings } : { nad, findings }
}

function annotationFindings(
  annotations: Record<string, unknown>,
  options: NadValidationOptions,
): Finding[] {
  const findings: Finding[] = []
  const value = (key: string): string | undefined =>
    typeof annotations[key] === 'string' ? (annotations[key] as string) : undefined
  const at = (key: string): string => pathKey('metadata.annotations', key)
  for (const key of new Set(options.resourceNameKeys ?? [ANNOTATIONS.resourceName])) {
    const v = value(key)
    const problem = v === undefined ? undefined : extendedResourceNameProblem(v)
    if (problem) findings.push(error('nad.resource-name', at(key), `${show(v)} ${problem}`))
  }
  const selector = value(ANNOTATIONS.nodeSelector)
  if (selector !== undefined) findings.push(...parseNodeSelectorAnnotation(selector).findings)
  const physnet = value(ANNOTATIONS.physicalNetwork)
  const problem = physnet === undefined ? undefined : dns1123LabelProblem(physnet)
  if (problem) {
    findings.push(
      error(
        'nad.physical-network',
        at(ANNOTATIONS.physicalNetwork),
        `${show(physnet)} ${problem} (it becomes part of a node label)`,
      ),
    )
  }
  return findings
}

/**
 * `k8s.v1.cni.cncf.io/nodeSelector`: `key=value` or `key` (value ""), one label, as NRI reads
 * it (parts trimmed), with the key and value held to the Kubernetes label rules.
 */
export function parseNodeSelectorAnnotation(value: string): {
  selector?: Record<string, string>
  findings: Finding[]
} {
  const path = pathKey('metadata.annotations', ANNOTATIONS.nodeSelector)
  const fail = (message: string) => ({ findings: [error('nad.node-selector', path, message)] })
  const parts = value.split('=')
  if (parts.length > 2) {
    return fail(`${show(value)} must be "key" or "key=value": one label, at most one "="`)
  }
  const key = parts[0]!.trim()
  const label = parts.length === 2 ? parts[1]!.trim() : ''
  if (key === '') return fail(`${show(value)} must name a node label key`)
  const keyProblem = labelKeyProblem(key)
  if (keyProblem) return fail(`label key ${show(key)}: ${keyProblem}`)
  const valueProblem = labelValueProblem(label)
  if (valueProblem) return fail(`label value ${show(label)}: ${valueProblem}`)
  return { selector: { [key]: label }, findings: [] }
}

/**
 * The slim, cacheable view of a NAD, built without validating (informer events and manifest
 * files may hold anything). `undefined` when the object has no name to be found by.
 */
export function toNadInfo(obj: unknown, options: NadInfoOptions = {}): NadInfo | undefined {
  const meta = isObject(obj) ? obj.metadata : undefined
  if (!isObject(meta) || typeof meta.name !== 'string' || meta.name === '') return undefined
  const namespace =
    typeof meta.namespace === 'string' && meta.namespace !== ''
      ? meta.namespace
      : (options.defaultNamespace ?? 'default')
  const extra = new Set(options.extraAnnotationKeys ?? [])
  const keep = (key: string): boolean =>
    extra.has(key) || KEPT_PREFIXES.some((prefix) => key.startsWith(prefix))
  const spec = (obj as Record<string, unknown>).spec
  const config = isObject(spec) && typeof spec.config === 'string' ? spec.config : ''
  const parsed = config === '' ? undefined : parseJson(config)
  return {
    namespace,
    name: meta.name,
    labels: stringEntries(meta.labels, () => true),
    annotations: stringEntries(meta.annotations, keep),
    cniTypes: parsed?.ok ? cniTypesOf(parsed.value) : [],
  }
}

function stringEntries(map: unknown, keep: (key: string) => boolean): Record<string, string> {
  if (!isObject(map)) return {}
  return Object.fromEntries(
    Object.entries(map).filter(
      (entry): entry is [string, string] => keep(entry[0]) && typeof entry[1] === 'string',
    ),
  )
}
