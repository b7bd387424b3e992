import { parseAllDocuments } from 'yaml'
import { MAX_ALIAS_COUNT } from '../cluster/manifests.js'
import { messageOf, MultinetError } from '../errors.js'
import { isObject } from '../spec/object.js'
import { valueDepth, yamlDepthProblem } from '../spec/yaml-limits.js'
import { MAX_BODY_DEPTH, parseJsonBody } from '../webhook/http-errors.js'

/** Kinds `multinet review -f` wraps into a CREATE review when given a bare object. */
const RESOURCES: Record<string, { group: string; version: string; resource: string }> = {
  Pod: { group: '', version: 'v1', resource: 'pods' },
  NetworkAttachmentDefinition: {
    group: 'k8s.cni.cncf.io',
    version: 'v1',
    resource: 'network-attachment-definitions',
  },
  ConfigMap: { group: '', version: 'v1', resource: 'configmaps' },
}

/**
 * Parses one YAML or JSON document; `source` names it in errors, which are all usage errors
 * (exit 2), never exceptions. JSON (text that starts with `{`) goes through the webhook's own
 * body parser, so that a body the webhook refuses (too deep, `__proto__`) is refused here too.
 */
export function parseDocument(text: string, source: string): unknown {
  if (text.trimStart().startsWith('{')) {
    try {
      return parseJsonBody(text)
    } catch (err) {
      throw new MultinetError('MN_ERR_USAGE', `${source}: ${messageOf(err)}`)
    }
  }
  const deep = yamlDepthProblem(text)
  if (deep !== undefined) throw new MultinetError('MN_ERR_USAGE', `${source}: ${deep}`)
  const docs = parseAllDocuments(text)
  if (!Array.isArray(docs) || docs.length === 0) {
    throw new MultinetError('MN_ERR_USAGE', `${source}: no document found`)
  }
  if (docs.length > 1) {
    throw new MultinetError('MN_ERR_USAGE', `${source}: ${docs.length} documents; give one`)
  }
  const doc = docs[0]!
  const problem = doc.errors[0]
  if (problem) {
    const at = problem.linePos?.[0]
    const where = at ? `line ${at.line}, column ${at.col}` : 'syntax'
    throw new MultinetError(
      'MN_ERR_USAGE',
      `${source}: ${where}: ${problem.message.split('\n')[0]}`,
    )
  }
  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
  } catch (err) {
    // Runaway or unresolved aliases are only found here.
    throw new MultinetError(
      'MN_ERR_USAGE',
      `${source}: ${messageOf(err).split('\n')[0]} (at most ${MAX_ALIAS_COUNT} alias expansions)`,
    )
  }
  if (valueDepth(value, MAX_BODY_DEPTH) > MAX_BODY_DEPTH) {
    throw new MultinetError(
      'MN_ERR_USAGE',
      `${source}: nested more than ${MAX_BODY_DEPTH} levels deep once aliases are expanded`,
    )
  }
  return value
}

export interface WrapOptions {
  readonly namespace: string
  readonly username: string
  readonly groups: readonly string[]
}

/**
 * An AdmissionReview is passed through; a bare Pod, NAD or policy ConfigMap becomes the CREATE
 * review the API server would send for it, so admins can test manifests before applying them.
 */
export function toReview(doc: unknown, source: string, opts: WrapOptions): unknown {
  if (!isObject(doc)) {
    throw new MultinetError(
      'MN_ERR_USAGE',
      `${source}: expected an object (an AdmissionReview, Pod, NetworkAttachmentDefinition or ConfigMap)`,
    )
  }
  if (doc.kind === 'AdmissionReview') return doc
  const kind = typeof doc.kind === 'string' ? doc.kind : ''
  const resource = RESOURCES[kind]
  if (!resource) {
    throw new MultinetError(
      'MN_ERR_USAGE',
      `${source}: cannot review kind ${JSON.stringify(doc.kind ?? null)}; give an AdmissionReview, Pod, NetworkAttachmentDefinition or ConfigMap`,
    )
  }
  const meta = isObject(doc.metadata) ? doc.metadata : {}
  const namespace =
    typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : opts.namespace
  const object = { ...doc, metadata: { ...meta, namespace } }
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `review-${kind.toLowerCase()}`,
      kind: { group: resource.group, version: resource.version, kind },
      resource,
      namespace,
      ...(typeof meta.name === 'string' ? { name: meta.name } : {}),
      operation: 'CREATE',
      userInfo: { username: opts.username, groups: [...opts.groups] },
      object,
    },
  }
}
