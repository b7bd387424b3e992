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

/** A NAD from a manifest file: valid, or the reasons it is not. */
export function manifestNad(obj: unknown, options: AdmissionOptions): SlimNad {
  const keys = options.mutation.resourceNameKeys
  const errors = errorsOf(validateNad(obj, { resourceNameKeys: keys }).findings)
  const nad = toNadInfo(obj, { extraAnnotationKeys: keys })
  if (errors.length > 0 || nad === undefined) {
    return { ok: false, problems: errors.map(formatFinding) }
  }
  return { ok: true, nad }
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
