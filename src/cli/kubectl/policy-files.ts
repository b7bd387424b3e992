/**
 * Proposed policy for `audit --policy FILE...`: ConfigMap manifests (several per file, `---`
 * apart) that replace the live ConfigMap of the same name or add one. A proposal that could not
 * become policy (wrong namespace, no label, does not validate, conflicts with another) is an
 * error that says so: an audit against a policy the webhook would refuse answers nothing.
 */
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { parseAllDocuments } from 'yaml'
import type { AdmissionOptions } from '../../admission/options.js'
import { handleReview } from '../../admission/handle.js'
import type { PolicyConfigMap } from '../../cluster/policy-set.js'
import { MultinetError, messageOf } from '../../errors.js'
import { field, isObject, stringField, stringMap } from '../../spec/object.js'
import { toReview } from '../review-input.js'
import { compileConfigMaps, snapshotState, type CompiledSet } from './live-state.js'

export async function readPolicyFiles(
  files: readonly string[],
  cwd: string,
  options: AdmissionOptions,
): Promise<PolicyConfigMap[]> {
  const out: PolicyConfigMap[] = []
  for (const file of files) {
    let text: string
    try {
      text = await readFile(resolve(cwd, file), 'utf8')
    } catch (err) {
      throw usage(`cannot read ${file}: ${messageOf(err)}`)
    }
    const docs = parseAllDocuments(text)
    const list = Array.isArray(docs) ? docs : []
    list.forEach((doc, i) => {
      const where = list.length > 1 ? `${file} (document ${i + 1})` : file
      const problem = doc.errors[0]
      if (problem) throw usage(`${where}: ${problem.message.split('\n')[0]}`)
      const obj: unknown = doc.toJS()
      if (obj === null || obj === undefined) return
      out.push(toPolicyConfigMap(obj, where, options))
    })
    if (list.length === 0) throw usage(`${file}: no document found`)
  }
  const names = new Map<string, string>()
  for (const cm of out) {
    const prior = names.get(cm.name)
    if (prior !== undefined) {
      throw usage(`ConfigMap ${cm.name} is proposed twice (${prior} and ${cm.origin})`)
    }
    names.set(cm.name, cm.origin)
  }
  return out
}

function toPolicyConfigMap(
  obj: unknown,
  where: string,
  options: AdmissionOptions,
): PolicyConfigMap {
  if (!isObject(obj) || obj.kind !== 'ConfigMap') {
    throw usage(
      `${where}: expected a policy ConfigMap, got ${JSON.stringify(field(obj, 'kind') ?? null)}`,
    )
  }
  const meta = field(obj, 'metadata')
  const name = stringField(meta, 'name')
  if (!name) throw usage(`${where}: the ConfigMap has no metadata.name`)
  const namespace = stringField(meta, 'namespace') ?? options.policyNamespace
  const labels = stringMap(field(meta, 'labels'))
  if (namespace !== options.policyNamespace) {
    throw usage(
      `${where}: ConfigMap ${name} is in namespace ${namespace}; only ConfigMaps in ${options.policyNamespace} are policy (--policy-namespace)`,
    )
  }
  if (labels[options.policyLabel] !== 'true') {
    throw usage(
      `${where}: ConfigMap ${name} lacks the label ${options.policyLabel}: "true", so the webhook would not read it as policy`,
    )
  }
  return { name, namespace, labels, data: stringMap(field(obj, 'data')), origin: where }
}

/**
 * Live ConfigMaps with the proposals in place, compiled; every proposal is first checked as
 * the webhook checks a policy ConfigMap being written (schema, references, unique names).
 */
export async function proposePolicy(
  live: readonly PolicyConfigMap[],
  proposed: readonly PolicyConfigMap[],
  options: AdmissionOptions,
): Promise<CompiledSet> {
  const byName = new Map(live.map((c) => [c.name, c]))
  for (const p of proposed) byName.set(p.name, p)
  const merged = [...byName.values()]
  const compiled = compileConfigMaps(merged, options)
  const problems: string[] = []
  const state = snapshotState([], new Map(), compiled.policy)
  for (const p of proposed) {
    const manifest = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: p.name, namespace: p.namespace, labels: p.labels },
      data: p.data,
    }
    const body = toReview(manifest, p.origin, {
      namespace: p.namespace,
      username: 'multinet-audit',
      groups: [],
    })
    const { outcome } = await handleReview('validate', body, state, options)
    if (!outcome.allowed) problems.push(...outcome.reasons.map((r) => `${p.origin}: ${r}`))
  }
  // The webhook's own refusal names the file and the place; the compiler's says the same again.
  const errors =
    problems.length > 0 ? problems : compiled.problems.filter((p) => !p.startsWith('policy merge:'))
  if (errors.length > 0) {
    throw usage(`the proposed policy would not be in force:\n  ${errors.join('\n  ')}`)
  }
  return compiled
}

function usage(detail: string): MultinetError {
  return new MultinetError('MN_ERR_USAGE', detail)
}
