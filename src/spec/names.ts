/**
 * Name and address syntax shared by the annotation and NAD validators. Each rule comes in two
 * shapes: `xProblem(value)` returns why the value is invalid (a phrase that fits after "must
 * be" or stands alone) or `undefined`, and `isX(value)` is the boolean form for callers that
 * only branch.
 */
import { isIP } from 'node:net'

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const QUALIFIED_NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/
/** libcni's ValidateNetworkName (pkg/utils): what a CNI network `name` may contain. */
const CNI_NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/
/** Go's unicode.IsSpace, which libcni's ValidateInterfaceName applies (JS `\s` lacks U+0085). */
const GO_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/

/** DNS-1123 label: 1–63 lower-case alphanumerics or `-`, alphanumeric at both ends. */
export function dns1123LabelProblem(value: string): string | undefined {
  if (value.length === 0) return 'must not be empty'
  if (value.length > 63) return `must be at most 63 characters (has ${value.length})`
  if (!DNS1123_LABEL.test(value)) {
    return 'must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit'
  }
  return undefined
}

/** DNS-1123 subdomain: dot-separated labels, at most 253 characters in all. */
export function dns1123SubdomainProblem(value: string): string | undefined {
  if (value.length === 0) return 'must not be empty'
  if (value.length > 253) return `must be at most 253 characters (has ${value.length})`
  if (!DNS1123_SUBDOMAIN.test(value)) {
    return 'must be a DNS-1123 subdomain: dot-separated lower-case labels of letters, digits and "-"'
  }
  return undefined
}

/** The name part of a qualified name (label key, resource name): 1–63 `[A-Za-z0-9_.-]`. */
function qualifiedNamePartProblem(value: string): string | undefined {
  if (value.length === 0) return 'name part must not be empty'
  if (value.length > 63) return `name part must be at most 63 characters (has ${value.length})`
  if (!QUALIFIED_NAME_PART.test(value)) {
    return 'name part must consist of letters, digits, "-", "_" or ".", starting and ending with a letter or digit'
  }
  return undefined
}

/** Kubernetes qualified name (label key): `[prefix/]name`, prefix a DNS-1123 subdomain. */
export function labelKeyProblem(value: string): string | undefined {
  const parts = value.split('/')
  if (parts.length > 2) return 'must contain at most one "/"'
  if (parts.length === 2) {
    const prefixProblem = dns1123SubdomainProblem(parts[0]!)
    if (prefixProblem) return `prefix ${prefixProblem}`
  }
  return qualifiedNamePartProblem(parts[parts.length - 1]!)
}

/** Kubernetes label value: empty, or up to 63 `[A-Za-z0-9_.-]` starting/ending alphanumeric. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63) return `must be at most 63 characters (has ${value.length})`
  if (!LABEL_VALUE.test(value)) {
    return 'must be empty or consist of letters, digits, "-", "_" or ".", starting and ending with a letter or digit'
  }
  return undefined
}

/**
 * Extended resource name as Kubernetes defines it (IsExtendedResourceName): `domain/name`, not
 * in the reserved `kubernetes.io/` namespace, not starting with `requests.`, and
 * `requests.<value>` must be a qualified name.
 */
export function extendedResourceNameProblem(value: string): string | undefined {
  if (!value.includes('/')) return 'must be fully qualified as "domain/name", e.g. intel.com/sriov'
  if (value.includes('kubernetes.io/')) return 'must not be in the reserved kubernetes.io domain'
  if (value.startsWith('requests.')) return 'must not start with "requests." (quota syntax)'
  const problem = labelKeyProblem(`requests.${value}`)
  if (problem) return problem.replace(/^prefix/, 'domain')
  return undefined
}

/**
 * Characters that print as nothing or reorder what follows: controls (Cc), format characters
 * (Cf: the bidi overrides U+202A-U+202E and isolates U+2066-U+2069, zero-width joiners, ...),
 * line and paragraph separators, and lone surrogates (which UTF-8 cannot even encode).
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u

/** `U+202E`: how a character is named in messages, since it cannot be shown. */
export function codePoint(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`
}

/**
 * Linux interface name, as the kernel (dev_valid_name) and libcni (ValidateInterfaceName)
 * accept it: 1–15 bytes, not `.` or `..`, no `/`, `:` or whitespace. Stricter than both: no
 * control, format or bidi character, which the kernel takes but which hide the real name from
 * anyone reading `ip link` (U+202E turns `eth0` into what looks like another name).
 */
export function interfaceNameProblem(value: string): string | undefined {
  if (value.length === 0) return 'must not be empty'
  const bytes = Buffer.byteLength(value, 'utf8')
  if (bytes > 15) return `must be at most 15 bytes (has ${bytes})`
  if (value === '.' || value === '..') return 'must not be "." or ".."'
  if (/[/:]/.test(value) || GO_SPACE.test(value)) {
    return 'must not contain "/", ":" or whitespace'
  }
  const invisible = INVISIBLE.exec(value)
  if (invisible) {
    return `must not contain control, format or bidirectional characters (${codePoint(invisible[0])} at character ${invisible.index + 1})`
  }
  return undefined
}

/** CNI network name (libcni ValidateNetworkName): alphanumeric, then `[A-Za-z0-9_.-]`. */
export function cniNetworkNameProblem(value: string): string | undefined {
  if (value.length === 0) return 'must not be empty'
  if (!CNI_NETWORK_NAME.test(value)) {
    return 'must start with a letter or digit and contain only letters, digits, "_", "." or "-"'
  }
  return undefined
}

/**
 * Hardware address bytes in the notations Go's net.ParseMAC reads: `aa:bb:..`, `aa-bb-..`
 * (two hex digits per byte) or `aabb.ccdd...` (four per group). Returns the byte count, or 0.
 */
export function hardwareAddressBytes(value: string): number {
  if (/^[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(\1[0-9A-Fa-f]{2})*$/.test(value)) {
    return (value.length + 1) / 3
  }
  if (/^[0-9A-Fa-f]{4}(\.[0-9A-Fa-f]{4})+$/.test(value)) return ((value.length + 1) / 5) * 2
  return 0
}

/** A 6-byte Ethernet MAC address. */
export function macProblem(value: string): string | undefined {
  return hardwareAddressBytes(value) === 6
    ? undefined
    : 'must be a 6-byte MAC address such as 02:00:5e:10:00:01'
}

/** An 8-byte InfiniBand GUID. */
export function infinibandGuidProblem(value: string): string | undefined {
  return hardwareAddressBytes(value) === 8
    ? undefined
    : 'must be an 8-byte GUID such as c2:11:22:33:44:55:66:77'
}

/** A plain IPv4 or IPv6 address (no zone, no prefix), as Go's net.ParseIP reads it. */
export function ipProblem(value: string): string | undefined {
  return !value.includes('%') && isIP(value) !== 0 ? undefined : 'must be an IPv4 or IPv6 address'
}

/** An IP address with an optional `/prefix` within the family's range. */
export function ipOrCidrProblem(value: string): string | undefined {
  const slash = value.lastIndexOf('/')
  if (slash < 0) return ipProblem(value) && 'must be an IP address or IP/prefix'
  const address = value.slice(0, slash)
  const prefix = value.slice(slash + 1)
  const family = address.includes('%') ? 0 : isIP(address)
  if (family === 0) return 'must be an IP address or IP/prefix'
  const max = family === 4 ? 32 : 128
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefix) || Number(prefix) > max) {
    return `prefix length must be an integer from 0 to ${max}`
  }
  return undefined
}

export const isDns1123Label = (value: string): boolean => !dns1123LabelProblem(value)
export const isDns1123Subdomain = (value: string): boolean => !dns1123SubdomainProblem(value)
export const isLabelKey = (value: string): boolean => !labelKeyProblem(value)
export const isLabelValue = (value: string): boolean => !labelValueProblem(value)
export const isExtendedResourceName = (value: string): boolean =>
  !extendedResourceNameProblem(value)
export const isInterfaceName = (value: string): boolean => !interfaceNameProblem(value)
export const isMac = (value: string): boolean => !macProblem(value)
export const isInfinibandGuid = (value: string): boolean => !infinibandGuidProblem(value)
export const isIp = (value: string): boolean => !ipProblem(value)
export const isIpOrCidr = (value: string): boolean => !ipOrCidrProblem(value)
