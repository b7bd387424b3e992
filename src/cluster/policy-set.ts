/**
 * The access policy in force, recompiled from the policy ConfigMaps a source currently holds.
 *
 * Each ConfigMap counts on its own: a valid one always applies; an invalid one never opens
 * anything. In its place the set uses the last valid content of that same ConfigMap (seen by
 * this process, or persisted by an earlier one: see policy-store.ts), and when no valid copy
 * of it is known the policy *fails closed*: every network a pod would be attached to is refused
 * with rule `policy-unavailable`, naming the broken ConfigMap, until an admin fixes it. Using
 * the other ConfigMaps without it could drop its deny rules, reservations or tenant locks and
 * grant access nobody granted; falling back to the built-in default would do the same.
 *
 * A source that lists asynchronously (the API server) starts *unloaded*, failing closed the
 * same way until its first update: a webhook that answered before its policy was read would
 * decide with the built-in default.
 */
import type { Logger } from 'pino'
import type { CompiledPolicy, Decision, NetworkRef } from '../policy/types.js'
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

/** The last content of one policy ConfigMap that validated: what is persisted. */
export interface PolicyCopy {
  readonly namespace: string
  readonly name: string
  readonly data: Readonly<Record<string, string>>
}

export interface PolicySetOptions {
  readonly namespace: string
  readonly label: string
  readonly logger: Logger
  /**
   * Fail closed until the first `update` (a source that lists asynchronously): before it the
   * policy is not known, and the built-in default would open what the admins closed.
   */
  readonly startUnloaded?: boolean
}

/** Matches src/admission/pod-networks.ts POLICY_UNAVAILABLE_RULE (cluster does not import admission at run time). */
export const POLICY_UNAVAILABLE_RULE = 'policy-unavailable'

export const copyKey = (c: { namespace: string; name: string }): string =>
  `${c.namespace}/${c.name}`

interface Remembered {
  readonly copy: PolicyCopy
  /** `this process` or where a persisted copy came from, for messages. */
  readonly origin: string
}

export class PolicySet {
  private base: CompiledPolicy = DEFAULT_POLICY
  private inForce: CompiledPolicy
  private errors: readonly string[] = []
  private blocking: readonly string[]
  private fingerprint: string | undefined
  private current: readonly PolicyConfigMap[] | undefined
  /** Valid content seen by this process, per ConfigMap currently present. */
  private readonly seen = new Map<string, Remembered>()
  /** Copies persisted by an earlier process (policy-store.ts), per ConfigMap. */
  private readonly persisted = new Map<string, Remembered>()
  private readonly parsedCopies = new Map<string, PolicyDocument | undefined>()

  constructor(private readonly opts: PolicySetOptions) {
    const notLoaded =
      'the access policy is not loaded yet (the policy ConfigMaps have not been read)'
    this.blocking = opts.startUnloaded ? [notLoaded] : []
    this.inForce = opts.startUnloaded ? refusing(DEFAULT_POLICY, notLoaded) : DEFAULT_POLICY
  }

  policy(): CompiledPolicy {
    return this.inForce
  }

  /**
   * Why the policy cannot decide at all (empty when it can): readiness is withheld and pods
   * that would be attached to a network are refused while this is not empty.
   */
  unavailable(): readonly string[] {
    return this.blocking
  }

  /**
   * Why some ConfigMaps are not in force as they are (and what stands in for them, or that the
   * policy cannot decide: `unavailable()`), then what
   * the merge of the policy in force reported (a rule name defined twice: the first wins);
   * empty when all is well.
   */
  problems(): readonly string[] {
    const merge = (this.base.findings ?? []).map((f) => `policy merge: ${formatFinding(f)}`)
    return [...this.errors, ...this.blocking, ...merge]
  }

  /**
   * The last valid content of each policy ConfigMap present now, for the store to persist:
   * what this process saw validate, else what an earlier one persisted.
   */
  copies(): ReadonlyMap<string, PolicyCopy> {
    const out = new Map<string, PolicyCopy>()
    for (const cm of this.current ?? []) {
      const key = copyKey(cm)
      const known = this.seen.get(key) ?? this.persisted.get(key)
      if (known) out.set(key, known.copy)
    }
    return out
  }

  /** Whether the first update has happened (the copies then describe the real set). */
  loaded(): boolean {
    return this.current !== undefined
  }

  /**
   * Copies persisted by an earlier process. They stand in only for a ConfigMap that is invalid
   * now and that this process never saw valid; returns whether the policy in force changed.
   */
  remember(copies: Iterable<PolicyCopy>, origin: string): boolean {
    for (const copy of copies) this.persisted.set(copyKey(copy), { copy, origin })
    if (this.current === undefined) return false
    this.fingerprint = undefined
    return this.update(this.current)
  }

  /** Recompiles from the ConfigMaps now present; returns whether the policy in force changed. */
  update(configMaps: Iterable<PolicyConfigMap>): boolean {
    // Names are unique within a namespace, so the order is total.
    const sorted = [...configMaps].sort((a, b) => (copyKey(a) < copyKey(b) ? -1 : 1))
    const fingerprint = JSON.stringify(sorted.map((c) => [c.name, c.namespace, c.labels, c.data]))
    const first = this.current === undefined
    this.current = sorted
    if (fingerprint === this.fingerprint) return false
    this.fingerprint = fingerprint
    const docs: { name: string; document: PolicyDocument }[] = []
    const errors: string[] = []
    const broken: string[] = []
    const present = new Set<string>()
    for (const cm of sorted) {
      const parsed = parsePolicyConfigMap(this.asObject(cm), this.opts)
      if (!parsed.applies) continue
      const key = copyKey(cm)
      present.add(key)
      const where = `${cm.origin ? `${cm.origin}: ` : ''}ConfigMap ${key}`
      const bad = errorsOf(parsed.findings)
      if (bad.length === 0 && parsed.document) {
        docs.push({ name: cm.name, document: parsed.document })
        this.seen.set(key, {
          copy: { namespace: cm.namespace, name: cm.name, data: { ...cm.data } },
          origin: 'seen by this process',
        })
        continue
      }
      errors.push(...bad.map((f) => `${where}: ${formatFinding(f)}`))
      const stand = this.standIn(key)
      if (stand) {
        docs.push({ name: cm.name, document: stand.document })
        errors.push(`${where}: its last valid content (${stand.origin}) stays in force`)
      } else {
        broken.push(
          `${where} does not validate and no valid copy of it is known: pods that select networks are refused until it is fixed`,
        )
      }
    }
    // A ConfigMap that is gone (deleted, or its label removed) is gone on purpose.
    for (const key of this.seen.keys()) if (!present.has(key)) this.seen.delete(key)

    let base: CompiledPolicy | undefined
    try {
      base = compilePolicy(docs)
    } catch (err) {
      const why = `the policy does not compile: ${messageOf(err)}`
      errors.push(why)
      broken.push(`${why}: pods that select networks are refused until it is fixed`)
    }
    const previous = this.inForce
    this.base = base ?? this.base
    this.errors = errors
    this.blocking = broken
    this.inForce = broken.length > 0 ? refusing(this.base, broken.join('; ')) : this.base
    const sources = this.base.sources.length > 0 ? this.base.sources : ['built-in default']
    if (broken.length > 0) {
      this.opts.logger.error(
        { problems: errors, unavailable: broken },
        'access policy unavailable: pods that select networks are refused',
      )
    } else if (errors.length > 0) {
      this.opts.logger.error({ problems: errors, sources }, 'policy ConfigMaps invalid')
    } else {
      const merge = (this.base.findings ?? []).map(formatFinding)
      this.opts.logger.info(
        { sources, ...(merge.length > 0 && { merge }) },
        'access policy in force',
      )
    }
    return first || this.inForce !== previous
  }

  private asObject(c: PolicyCopy & { labels?: Readonly<Record<string, string>> }): unknown {
    return {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: c.name,
        namespace: c.namespace,
        labels: c.labels ?? { [this.opts.label]: 'true' },
      },
      data: c.data,
    }
  }

  /** The last valid content of a ConfigMap, re-validated (a persisted copy is input too). */
  private standIn(key: string): { document: PolicyDocument; origin: string } | undefined {
    for (const known of [this.seen.get(key), this.persisted.get(key)]) {
      if (!known) continue
      const print = JSON.stringify([key, known.copy.data])
      if (!this.parsedCopies.has(print)) {
        const parsed = parsePolicyConfigMap(this.asObject(known.copy), this.opts)
        const ok = parsed.applies && errorsOf(parsed.findings).length === 0
        this.parsedCopies.set(print, ok ? parsed.document : undefined)
      }
      const document = this.parsedCopies.get(print)
      if (document) return { document, origin: known.origin }
    }
    return undefined
  }
}

/**
 * The policy that cannot decide: every network is refused, naming why; the tenant entries of
 * the valid part still say which networks a namespace would get (so that those are refused
 * too, rather than silently left out).
 */
function refusing(base: CompiledPolicy, why: string): CompiledPolicy {
  return {
    sources: base.sources,
    globalNamespaces: base.globalNamespaces,
    ...(base.findings ? { findings: base.findings } : {}),
    documents: base.documents,
    tenantFor: (subject) => base.tenantFor(subject),
    decide: (_subject, networks: readonly NetworkRef[]): Decision[] =>
      networks.map((n) => ({
        network: { namespace: n.namespace, name: n.name },
        allowed: false,
        mode: 'enforce',
        rule: POLICY_UNAVAILABLE_RULE,
        reason: why,
        hint: 'an admin must fix the policy ConfigMap (the webhook /readyz and logs say what is wrong)',
      })),
  }
}
