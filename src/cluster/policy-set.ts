/**
 * The access policy in force, recompiled from the policy ConfigMaps a source currently holds.
 * All applying ConfigMaps are merged in name order; if any of them does not validate, nothing
 * of the new set is used and the last good policy stays in force: half a policy (say, the allow
 * rules without the deny rules next to them) could open access nobody granted.
 */
import type { Logger } from 'pino'
import type { CompiledPolicy } from '../policy/types.js'
import { compilePolicy, DEFAULT_POLICY } from '../policy/compile.js'
import { parsePolicyConfigMap } from '../policy/parse.js'
import type { PolicyDocument } from '../policy/document.js'
import { messageOf } from '../errors.js'
import { errorsOf, formatFinding } from '../spec/finding.js'

/** The slim copy of a policy ConfigMap that sources keep. */
export interface PolicyConfigMap {
  readonly name: string
  readonly namespace: string
  readonly labels: Readonly<Record<string, string>>
  readonly data: Readonly<Record<string, string>>
  /** Where it was read, for messages (a manifest file); empty for the API server. */
  readonly origin: string
}

export interface PolicySetOptions {
  readonly namespace: string
  readonly label: string
  readonly logger: Logger
}

export class PolicySet {
  private compiled: CompiledPolicy = DEFAULT_POLICY
  private errors: readonly string[] = []
  private fingerprint: string | undefined

  constructor(private readonly opts: PolicySetOptions) {}

  policy(): CompiledPolicy {
    return this.compiled
  }

  /**
   * Why the newest ConfigMaps are not in force, then what the merge of the policy in force
   * reported (a rule name defined twice: the first wins); empty when all is well.
   */
  problems(): readonly string[] {
    const merge = (this.compiled.findings ?? []).map((f) => `policy merge: ${formatFinding(f)}`)
    return [...this.errors, ...merge]
  }

  /** Recompiles from the ConfigMaps now present; returns whether the policy in force changed. */
  update(configMaps: Iterable<PolicyConfigMap>): boolean {
    // Names are unique within a source (one namespace), so the order is total.
    const sorted = [...configMaps].sort((a, b) => (a.name < b.name ? -1 : 1))
    const fingerprint = JSON.stringify(sorted.map((c) => [c.name, c.namespace, c.labels, c.data]))
    if (fingerprint === this.fingerprint) return false
    this.fingerprint = fingerprint
    const docs: { name: string; document: PolicyDocument }[] = []
    const errors: string[] = []
    for (const cm of sorted) {
      const obj = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: cm.name, namespace: cm.namespace, labels: cm.labels },
        data: cm.data,
      }
      const parsed = parsePolicyConfigMap(obj, this.opts)
      if (!parsed.applies) continue
      const where = `${cm.origin ? `${cm.origin}: ` : ''}ConfigMap ${cm.namespace}/${cm.name}`
      const bad = errorsOf(parsed.findings)
      errors.push(...bad.map((f) => `${where}: ${formatFinding(f)}`))
      if (bad.length === 0 && parsed.document)
        docs.push({ name: cm.name, document: parsed.document })
    }
    let next: CompiledPolicy | undefined
    if (errors.length === 0) {
      try {
        next = compilePolicy(docs)
      } catch (err) {
        errors.push(`policy does not compile: ${messageOf(err)}`)
      }
    }
    if (next === undefined) {
      const kept = this.compiled.sources.join(', ') || 'the built-in default'
      this.errors = [...errors, `the last valid policy stays in force (${kept})`]
      this.opts.logger.error({ problems: errors, inForce: kept }, 'policy ConfigMaps invalid')
      return false
    }
    this.compiled = next
    this.errors = []
    const sources = next.sources.length > 0 ? next.sources : ['built-in default']
    const merge = (next.findings ?? []).map(formatFinding)
    this.opts.logger.info({ sources, ...(merge.length > 0 && { merge }) }, 'access policy in force')
    return true
  }
}
