/**
 * Kubernetes label key and value syntax, for the selectors of the policy. Kept local to the
 * policy until the shared validators in src/spec/names.ts are committed; the wording follows
 * Kubernetes' own messages so that admins recognise them.
 */
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/

/** Why a label key is invalid (`[prefix/]name`), or undefined when it is valid. */
export function labelKeyProblem(key: string): string | undefined {
  const parts = key.split('/')
  if (parts.length > 2) return 'a label key contains at most one "/"'
  const name = parts[parts.length - 1]!
  if (parts.length === 2) {
    const prefix = parts[0]!
    if (prefix.length === 0 || prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)) {
      return 'the prefix of a label key must be a DNS subdomain (lower-case, e.g. example.com)'
    }
  }
  if (name.length === 0) return 'the name part of a label key must not be empty'
  if (name.length > 63)
    return `the name part of a label key is at most 63 characters (has ${name.length})`
  if (!NAME_PART.test(name)) {
    return 'the name part of a label key consists of letters, digits, "-", "_" or ".", and starts and ends with a letter or digit'
  }
  return undefined
}

/** Why a label value is invalid, or undefined when it is valid (the empty value is valid). */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63) return `a label value is at most 63 characters (has ${value.length})`
  if (value.length > 0 && !NAME_PART.test(value)) {
    return 'a label value is empty or consists of letters, digits, "-", "_" or ".", and starts and ends with a letter or digit'
  }
  return undefined
}
