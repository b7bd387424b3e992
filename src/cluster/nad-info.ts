/**
 * NAD object -> NadInfo, the two ways the sources need it. A manifest file is something a user
 * is editing: a NAD that does not validate makes the file broken. A NAD stored in the cluster
 * exists whatever it holds (it may predate the webhook): it is cached as it is, and the agent
 * refuses it at attach time; here it is only logged.
 */
import type { AdmissionOptions } from '../admission/options.js'
import type { NadInfo } from '../admission/state.js'
import { errorsOf, formatFinding } from '../spec/finding.js'
import { toNadInfo, validateNad } from '../spec/nad.js'

export type SlimNad =
  | { readonly ok: true; readonly nad: NadInfo }
  | { readonly ok: false; readonly problems: readonly string[] }

/**
 * The same characters in a string of its own. V8 makes a substring of 13 or more characters a
 * view into its parent, and the YAML library reads scalars as substrings of the file's text:
 * one annotation value kept from a 4 MB file of NADs kept all 4 MB alive. JSON.parse copies.
 */
export function ownString(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string
}

/** A string map whose values are ownString copies (keys are copied when V8 interns them). */
export function ownStringMap(map: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, ownString(v)]))
}

/** Shared by every NAD without labels, or without an annotation decisions read (most). */
const NO_STRINGS: Readonly<Record<string, string>> = Object.freeze({})

/**
 * One copy of the values many NADs repeat: their namespace, and their list of CNI types (a
 * cluster has a handful of distinct lists, and each list read from a config is an array with
 * room to grow). Bounded: past `max` distinct values of a kind, new ones are not shared.
 */
export class NadInterner {
  private readonly strings = new Map<string, string>()
  private readonly lists = new Map<string, readonly string[]>()

  constructor(private readonly max = 4096) {}

  string(s: string): string {
    const known = this.strings.get(s)
    if (known !== undefined) return known
    const own = ownString(s)
    if (this.strings.size < this.max) this.strings.set(own, own)
    return own
  }

  list(items: readonly string[]): readonly string[] {
    if (items.length === 0) return NO_ITEMS
    // JSON text: no separator that a CNI type name could contain makes two lists one key.
    const key = JSON.stringify(items)
    const known = this.lists.get(key)
    if (known !== undefined) return known
    const own = Object.freeze(items.map((t) => this.string(t)))
    if (this.lists.size < this.max) this.lists.set(key, own)
    return own
  }
}

const NO_ITEMS: readonly string[] = Object.freeze([])

/** The interner every NAD of this process goes through (both state modes). */
const SHARED = new NadInterner()

/**
 * `nad` as the state keeps it: sharing no string with the text it was parsed from, and
 * sharing with other NADs what they repeat (NadInterner; empty maps): 380 instead of 432 bytes
 * per cached NAD in bench/state-cache.ts, where each NAD has labels and a kept annotation.
 */
export function compactNad(nad: NadInfo, interner: NadInterner = SHARED): NadInfo {
  const map = (m: Readonly<Record<string, string>>) =>
    Object.keys(m).length === 0 ? NO_STRINGS : ownStringMap(m)
  return {
    namespace: interner.string(nad.namespace),
    name: ownString(nad.name),
    labels: map(nad.labels),
    annotations: map(nad.annotations),
    cniTypes: interner.list(nad.cniTypes),
  }
}

/** A NAD from a manifest file: valid, or the reasons it is not. */
export function manifestNad(obj: unknown, options: AdmissionOptions): SlimNad {
  const keys = options.mutation.resourceNameKeys
  const errors = errorsOf(validateNad(obj, { resourceNameKeys: keys }).findings)
  const nad = toNadInfo(obj, { extraAnnotationKeys: keys })
  if (errors.length > 0 || nad === undefined) {
    return { ok: false, problems: errors.map(formatFinding) }
  }
  return { ok: true, nad: compactNad(nad) }
}

/**
 * A NAD from the API server: always cached (when it has a name), with what is wrong with it
 * for the log. The namespace comes from the object; `default` only if the server omitted it.
 */
export function storedNad(
  obj: unknown,
  options: AdmissionOptions,
): { nad: NadInfo | undefined; problems: string[] } {
  const keys = options.mutation.resourceNameKeys
  const nad = toNadInfo(obj, { extraAnnotationKeys: keys })
  if (nad === undefined) return { nad, problems: ['metadata.name is missing'] }
  const errors = errorsOf(validateNad(obj, { resourceNameKeys: keys }).findings)
  return { nad: compactNad(nad), problems: errors.map(formatFinding) }
}
