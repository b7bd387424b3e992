/**
 * Manifest text -> the objects the cluster state keeps. Pure: the file-backed state does the
 * reading and watching, this decides what a file says and, when it is broken, says why.
 *
 * A file is one unit: it is either good (and all its objects count) or broken (and the state
 * keeps what it said last time). Kinds other than NetworkAttachmentDefinition, Namespace and
 * ConfigMap are skipped: a folder may hold pods for `multinet review` next to the state.
 */
import { Composer, LineCounter, Parser, type Document } from 'yaml'
import { messageOf } from '../errors.js'
import { nestingDepth } from '../spec/json.js'
import { MAX_YAML_DEPTH, valueDepth, yamlDepthProblem } from '../spec/yaml-limits.js'
import { field, isObject, stringField, stringMap } from '../spec/object.js'
import type { AdmissionOptions } from '../admission/options.js'
import type { NadInfo } from '../admission/state.js'
import { dns1123LabelProblem } from '../spec/names.js'
import { manifestNad, ownString, ownStringMap } from './nad-info.js'
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
 * Calls `visit` with each document's value in turn, and returns why the file does not parse,
 * or undefined. YAML errors carry their line and column. Never throws: a file is user input,
 * and one bad file must not take the webhook down (an alias used 101 times once did: `toJS`
 * throws, and nothing caught it).
 *
 * Documents are parsed one at a time (the library's Parser and Composer are generators), so
 * only one document's syntax tree exists at once: `parseAllDocuments` on a 4 MB file of 10,000
 * NADs built all their trees together, about 230 MB of heap at its peak, which V8 then kept
 * as the webhook's RSS. A problem in document 2 or later is found after `visit` has seen the
 * documents before it: callers use what they collected only when this returns undefined.
 */
export function eachDocument(
  file: string,
  text: string,
  visit: (value: unknown, index: number) => void,
): string | undefined {
  if (file.endsWith('.json')) {
    const deep = nestingDepth(text)
    if (deep > MAX_YAML_DEPTH) {
      return `JSON nested ${deep} levels deep; at most ${MAX_YAML_DEPTH} are read`
    }
    let value: unknown
    try {
      value = JSON.parse(text) as unknown
    } catch (err) {
      return `invalid JSON: ${(err as Error).message}`
    }
    visit(value, 0)
    return undefined
  }
  const deep = yamlDepthProblem(text)
  if (deep !== undefined) return deep
  const lines = new LineCounter()
  const docs = new Composer().compose(new Parser(lines.addNewLine).parse(text))
  for (let i = 0, next = docs.next(); !next.done; i++, next = docs.next()) {
    const problem = documentProblem(next.value, lines)
    if (typeof problem !== 'string') {
      visit(problem.value, i)
      continue
    }
    // "document N" only when the file holds more than one (the next one may be unread yet).
    const many = i > 0 || !docs.next().done
    return `${many ? `document ${i + 1}: ` : ''}${problem}`
  }
  return undefined
}

/** The document's value, or why it has none. */
function documentProblem(doc: Document.Parsed, lines: LineCounter): { value: unknown } | string {
  const err = doc.errors[0]
  if (err) {
    // As the library's own whole-file parse words it, minus the source excerpt.
    const at = err.pos[0] === -1 ? undefined : lines.linePos(err.pos[0])
    const where = at === undefined ? '' : ` at line ${at.line}, column ${at.col}`
    return `invalid YAML: ${err.message.split('\n')[0]}${where}`
  }
  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
  } catch (e) {
    // Runaway or unresolved aliases are only found here.
    return `invalid YAML: ${messageOf(e).split('\n')[0]} (at most ${MAX_ALIAS_COUNT} alias expansions per document)`
  }
  if (valueDepth(value) > MAX_YAML_DEPTH) {
    return `invalid YAML: nested more than ${MAX_YAML_DEPTH} levels deep once aliases are expanded`
  }
  return { value }
}

/** Every document's value, or why the file does not parse (eachDocument, collected). */
export function documentsOf(file: string, text: string): unknown[] | string {
  const out: unknown[] = []
  return eachDocument(file, text, (value) => out.push(value)) ?? out
}

interface Collector {
  readonly nads: NadInfo[]
  readonly namespaces: NamespaceInfo[]
  readonly policyConfigMaps: PolicyConfigMap[]
  /** `[document index, the problem after the document's name]`; named once all are counted. */
  readonly problems: [number, string][]
}

/** What one manifest file contributes, or every reason it cannot be used. */
export function parseManifests(
  file: string,
  text: string,
  options: AdmissionOptions,
): ManifestParse {
  const c: Collector = { nads: [], namespaces: [], policyConfigMaps: [], problems: [] }
  const present: number[] = []
  const broken = eachDocument(file, text, (doc, i) => {
    if (doc === null || doc === undefined) return // `---` at the end, or a comment-only file
    present.push(i)
    collect(doc, i, '', file, options, c)
  })
  if (broken !== undefined) return { ok: false, problems: [`${file}: ${broken}`] }
  if (c.problems.length > 0) {
    const where = (i: number): string => (present.length > 1 ? `${file}: document ${i + 1}` : file)
    return { ok: false, problems: c.problems.map(([i, p]) => `${where(i)}${p}`) }
  }
  const { nads, namespaces, policyConfigMaps } = c
  return { ok: true, content: { nads, namespaces, policyConfigMaps } }
}

function collect(
  obj: unknown,
  doc: number,
  where: string,
  file: string,
  options: AdmissionOptions,
  c: Collector,
): void {
  const kind = stringField(obj, 'kind')
  const apiVersion = stringField(obj, 'apiVersion')
  if (!isObject(obj) || !kind || !apiVersion) {
    c.problems.push([doc, `${where}: not a Kubernetes object (needs string apiVersion and kind)`])
    return
  }
  if (kind.endsWith('List') && 'items' in obj) {
    const items = obj.items
    if (!Array.isArray(items)) c.problems.push([doc, `${where}: ${kind}.items must be a list`])
    else items.forEach((item, i) => collect(item, doc, `${where}, items[${i}]`, file, options, c))
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
    c.problems.push(...problems.map((p): [number, string] => [doc, `${at}: ${p}`]))
    return
  }
  if (kind === 'Namespace') {
    const why = dns1123LabelProblem(name)
    if (why) c.problems.push([doc, `${at}: metadata.name: ${why}`])
    else
      c.namespaces.push({
        name: ownString(name),
        labels: ownStringMap(stringMap(field(meta, 'labels'))),
      })
  } else if (kind === 'ConfigMap') {
    const labels = stringMap(field(meta, 'labels'))
    if (namespace !== options.policyNamespace || labels[options.policyLabel] !== 'true') return
    const data = field(obj, 'data') ?? {}
    const bad = isObject(data) ? Object.keys(data).filter((k) => typeof data[k] !== 'string') : []
    if (!isObject(data) || bad.length > 0) {
      const which = bad.length > 0 ? ` (${bad.join(', ')})` : ''
      c.problems.push([doc, `${at}: data must be a map of strings${which}`])
    } else {
      c.policyConfigMaps.push({
        name: ownString(name),
        namespace: ownString(namespace),
        labels: ownStringMap(labels),
        data: ownStringMap(stringMap(data)),
        origin: file,
      })
    }
  } else {
    const slim = manifestNad(obj, options)
    if (slim.ok) c.nads.push(slim.nad)
    else c.problems.push(...slim.problems.map((p): [number, string] => [doc, `${at}: ${p}`]))
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
