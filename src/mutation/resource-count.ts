/**
 * How many units of each device resource the pod's networks need (NRI's counting, kept): one unit
 * per attachment whose NAD names the resource under a configured key, duplicates and different
 * NADs sharing a pool included. Changed from NRI: two keys of one NAD that name the same resource
 * count once, since one attachment consumes one device of a pool.
 */
import { error, type Finding } from '../spec/finding.js'
import { extendedResourceNameProblem } from '../spec/names.js'
import { ANNOTATIONS } from '../spec/types.js'
import type { Attachment } from './attachments.js'
import { isObject } from './pod-view.js'

export interface ResourceNeed {
  count: number
  /** `networks[0] ns/name` per unit, for the summary. */
  readonly origins: string[]
}

export function countResources(
  attachments: readonly Attachment[],
  keys: readonly string[],
): { needs: Map<string, ResourceNeed>; findings: Finding[] } {
  const needs = new Map<string, ResourceNeed>()
  const findings: Finding[] = []
  const reported = new Set<string>()
  const uniqueKeys = keys.length < 2 ? keys : [...new Set(keys)]
  for (const a of attachments) {
    if (!a.nad) continue
    const names = new Set<string>()
    for (const key of uniqueKeys) {
      const raw = a.nad.annotations[key]
      if (raw === undefined) continue
      const name = raw.trim()
      if (extendedResourceNameProblem(name) === undefined) names.add(name)
      else if (!reported.has(`${a.namespace}/${a.name} ${key}`)) {
        reported.add(`${a.namespace}/${a.name} ${key}`)
        findings.push(
          error(
            'nad.resource-name',
            a.origin,
            `NAD ${a.namespace}/${a.name}: annotation ${key} is ${JSON.stringify(raw)}, not an ` +
              'extended resource name such as "intel.com/sriov_netdevice"; fix the NAD',
          ),
        )
      }
    }
    for (const name of names) {
      const need = needs.get(name) ?? { count: 0, origins: [] }
      need.count += 1
      need.origins.push(`${a.origin} ${a.namespace}/${a.name}`)
      needs.set(name, need)
    }
  }
  return { needs, findings }
}

export type InjectedRecord = Record<string, number>

/**
 * The record of what an earlier pass injected (`multinet.io/injected-resources`). A record we
 * cannot read is a denial: guessing would double-count in honour mode.
 */
export function readRecord(annotations: Readonly<Record<string, string>>): {
  record: InjectedRecord
  findings: Finding[]
} {
  const raw = annotations[ANNOTATIONS.injectedResources]
  if (raw === undefined) return { record: {}, findings: [] }
  const fail = (why: string): { record: InjectedRecord; findings: Finding[] } => ({
    record: {},
    findings: [
      error(
        'pod.injected-record',
        `metadata.annotations[${JSON.stringify(ANNOTATIONS.injectedResources)}]`,
        `${why}; the webhook writes this annotation itself: remove it from the pod template`,
      ),
    ],
  })
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    return fail('not valid JSON')
  }
  if (!isObject(parsed)) return fail('must be a JSON object of resource name to count')
  const record: InjectedRecord = {}
  for (const [name, n] of Object.entries(parsed)) {
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) {
      return fail(`the count of ${JSON.stringify(name)} is not a positive whole number`)
    }
    record[name] = n
  }
  return { record, findings: [] }
}

/** Canonical text of a record: sorted keys, so equal records are equal strings. */
export function formatRecord(record: InjectedRecord): string {
  const sorted: InjectedRecord = {}
  for (const k of Object.keys(record).sort()) sorted[k] = record[k] as number
  return JSON.stringify(sorted)
}
