/**
 * Manifest text -> the objects the cluster state keeps. Pure: the file-backed state does the
 * reading and watching, this decides what a file says and, when it is broken, says why.
 *
 * A file is one unit: it is either good (and all its objects count) or broken (and the state
 * keeps what it said last time). Kinds other than NetworkAttachmentDefinition, Namespace and
 * ConfigMap are skipped: a folder may hold pods for `multinet review` next to the state.
 */
import { parseAllDocuments } from 'yaml'
import { messageOf } from '../errors.js'
import { nestingDepth } from '../spec/json.js'
import { MAX_YAML_DEPTH, valueDepth, yamlDepthProblem } from '../spec/yaml-limits.js'
import { field, isObject, stringField, stringMap } from '../spec/object.js'
import type { AdmissionOptions } from '../admission/options.js'
import type { NadInfo } from '../admission/state.js'
import { dns1123LabelProblem } from '../spec/names.js'
import { manifestNad } from './nad-info.js'
import type { PolicyConfigMap } from './policy-set.js'

export interface NamespaceInfo {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
}

export interface ManifestContent {
  readonly nads: readonly NadInfo[]
  readonly namespaces: readonly NamespaceInfo[]
  readonly policyConfigMaps: readonly PolicyConfigMap[]
}

export type ManifestParse =
  | { readonly ok: true; readonly content: ManifestContent }
  | { readonly ok: false; readonly problems: readonly string[] }

export const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'] as const

export function isManifestFile(name: string): boolean {
  return MANIFEST_EXTENSIONS.some((ext) => name.endsWith(ext))
}

/**
 * Alias expansions a document may make (uses of an anchor times the aliases inside it, as the
 * YAML library counts them). Ten times the library's default of 100: a List of a few hundred
 * NADs that share labels through one anchor is ordinary YAML, and the bound still stops a
 * "billion laughs" expansion.
 */
export const MAX_ALIAS_COUNT = 1000

/**
 * Documents of a file, or why it does not parse. YAML errors carry their line and column.
 * Never throws: a file is user input, and one bad file must not take the webhook down (an
 * alias used 101 times once did: `toJS` throws, and nothing caught it).
 */
export function documentsOf(file: string, text: string): unknown[] | string {
  if (file.endsWith('.json')) {
    const deep = nestingDepth(text)
    if (deep > MAX_YAML_DEPTH) {
      return `JSON nested ${deep} levels deep; at most ${MAX_YAML_DEPTH} are read`
    }
    try {
      return [JSON.parse(text) as unknown]
    } catch (err) {
      return `invalid JSON: ${(err as Error).message}`
    }
  }
  const deep = yamlDepthProblem(text)
  if (deep !== undefined) return deep
  const docs = parseAllDocuments(text)
  const out: unknown[] = []
  for (const [i, doc] of docs.entries()) {
    const where = docs.length > 1 ? `document ${i + 1}: ` : ''
    const err = doc.errors[0]
    if (err) return `${where}invalid YAML: ${err.message.split('\n')[0]}`
    let value: unknown
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
    } catch (e) {
      // Runaway or unresolved aliases are only found here.
      return `${where}invalid YAML: ${messageOf(e).split('\n')[0]} (at most ${MAX_ALIAS_COUNT} alias expansions per document)`
    }
    if (valueDepth(value) > MAX_YAML_DEPTH) {
      return `${where}invalid YAML: nested more than ${MAX_YAML_DEPTH} levels deep once aliases are expanded`
    }
    out.push(value)
  }
  return out
}

interface Collector {
  readonly nads: NadInfo[]
  readonly namespaces: NamespaceInfo[]
  readonly policyConfigMaps: PolicyConfigMap[]
  readonly problems: string[]
}

/** What one manifest file contributes, or every reason it cannot be used. */
export function parseManifests(
  file: string,
  text: string,
  options: AdmissionOptions,
): ManifestParse {
  const docs = documentsOf(file, text)
  if (typeof docs === 'string') return { ok: false, problems: [`${file}: ${docs}`] }
  const c: Collector = { nads: [], namespaces: [], policyConfigMaps: [], problems: [] }
  const present = docs.filter((d) => d !== null && d !== undefined)
  for (const [i, doc] of docs.entries()) {
    if (doc === null || doc === undefined) continue // `---` at the end, or a comment-only file
    const where = present.length > 1 ? `${file}: document ${i + 1}` : file
    collect(doc, where, file, options, c)
  }
  if (c.problems.length > 0) return { ok: false, problems: c.problems }
  const { nads, namespaces, policyConfigMaps } = c
  return { ok: true, content: { nads, namespaces, policyConfigMaps } }
}

function collect(
  obj: unknown,
  where: string,
  file: string,
  options: AdmissionOptions,
  c: Collector,
): void {
  const kind = stringField(obj, 'kind')
  const apiVersion = stringField(obj, 'apiVersion')
  if (!isObject(obj) || !kind || !apiVersion) {
    c.problems.push(`${where}: not a Kubernetes object (needs string apiVersion and kind)`)
    return
  }
  if (kind.endsWith('List') && 'items' in obj) {
    const items = obj.items
    if (!Array.isArray(items)) c.problems.push(`${where}: ${kind}.items must be a list`)
    else items.forEach((item, i) => collect(item, `${where}, items[${i}]`, file, options, c))
    return
  }
  const expected = EXPECTED_API_VERSION[kind]
  if (expected === undefined) return // not state: pods and the like are read by `review` itself
  const meta = field(obj, 'metadata')
  const name = stringField(meta, 'name') ?? ''
  const namespace = stringField(meta, 'namespace') ?? 'default'
  const what = kind === 'Namespace' ? `${kind} ${name}` : `${kind} ${namespace}/${name}`
  const at = `${where} (${what})`
  const problems = [
    ...(apiVersion === expected ? [] : [`apiVersion must be ${expected}, not ${apiVersion}`]),
    ...metadataProblems(meta, kind !== 'Namespace'),
  ]
  if (problems.length > 0) {
    c.problems.push(...problems.map((p) => `${at}: ${p}`))
    return
  }
  if (kind === 'Namespace') {
    const why = dns1123LabelProblem(name)
    if (why) c.problems.push(`${at}: metadata.name: ${why}`)
    else c.namespaces.push({ name, labels: stringMap(field(meta, 'labels')) })
  } else if (kind === 'ConfigMap') {
    const labels = stringMap(field(meta, 'labels'))
    if (namespace !== options.policyNamespace || labels[options.policyLabel] !== 'true') return
    const data = field(obj, 'data') ?? {}
    const bad = isObject(data) ? Object.keys(data).filter((k) => typeof data[k] !== 'string') : []
    if (!isObject(data) || bad.length > 0) {
      const which = bad.length > 0 ? ` (${bad.join(', ')})` : ''
      c.problems.push(`${at}: data must be a map of strings${which}`)
    } else c.policyConfigMaps.push({ name, namespace, labels, data: stringMap(data), origin: file })
  } else {
    const slim = manifestNad(obj, options)
    if (slim.ok) c.nads.push(slim.nad)
    else c.problems.push(...slim.problems.map((p) => `${at}: ${p}`))
  }
}

const EXPECTED_API_VERSION: Readonly<Record<string, string>> = {
  NetworkAttachmentDefinition: 'k8s.cni.cncf.io/v1',
  Namespace: 'v1',
  ConfigMap: 'v1',
}

/**
 * What the API server itself would refuse. A label written as `true` instead of `"true"` is
 * the classic one: YAML reads a boolean, and the policy label would silently not match.
 */
function metadataProblems(meta: unknown, namespaced: boolean): string[] {
  const out: string[] = []
  const name = field(meta, 'name')
  if (typeof name !== 'string' || name === '') out.push('metadata.name is missing')
  const ns = field(meta, 'namespace')
  if (namespaced && ns !== undefined) {
    const why = typeof ns === 'string' ? dns1123LabelProblem(ns) : 'must be a string'
    if (why) out.push(`metadata.namespace ${JSON.stringify(ns)}: ${why}`)
  }
  for (const key of ['labels', 'annotations'] as const) {
    const map = field(meta, key)
    if (map === undefined || map === null) continue
    if (!isObject(map)) {
      out.push(`metadata.${key} must be a map of strings`)
      continue
    }
    for (const [k, v] of Object.entries(map)) {
      if (typeof v !== 'string') {
        out.push(
          `metadata.${key}[${JSON.stringify(k)}] must be a string (quote it: "${String(v)}")`,
        )
      }
    }
  }
  return out
}
