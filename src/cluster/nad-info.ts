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

/** `nad` sharing no string with the text it was parsed from. */
export function ownNad(nad: NadInfo): NadInfo {
  return {
    namespace: ownString(nad.namespace),
    name: ownString(nad.name),
    labels: ownStringMap(nad.labels),
    annotations: ownStringMap(nad.annotations),
    cniTypes: nad.cniTypes.map(ownString),
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
  return { ok: true, nad: ownNad(nad) }
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
  return { nad, problems: errors.map(formatFinding) }
}
