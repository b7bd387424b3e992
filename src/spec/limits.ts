/**
 * Bounds on untrusted input, in one place so that docs/security.md ("Limits") can list them and
 * each can be tested at its edge. Each bound sits far above what a real workload uses and far
 * below what would let one request hold the event loop (the webhook serves every pod create of
 * the cluster on one thread: a slow request is a cluster-wide stall).
 */

/**
 * Network selections per pod (elements of `k8s.v1.cni.cncf.io/networks`). The spec sets no
 * bound; the kubelet does: every attachment runs one CNI ADD inside the sandbox creation, which
 * the kubelet gives its runtime request timeout (2 minutes by default). At a second or more per
 * SR-IOV or bridge attachment, 64 already takes most of that budget, and 64 is also the most
 * virtual functions many NICs expose per port. More is refused with a message, never parsed.
 */
export const MAX_SELECTIONS = 64

/**
 * Entries of `k8s.v1.cni.cncf.io/network-status`: one per selection plus the cluster network.
 */
export const MAX_STATUS_ENTRIES = MAX_SELECTIONS + 1

/**
 * Longest annotation value parsed: Kubernetes refuses objects whose annotations total more
 * than 256 KiB (TotalAnnotationSizeLimitB), but only after mutating admission, so a mutating
 * webhook (and anyone reaching the port) can see longer ones.
 */
export const MAX_ANNOTATION_BYTES = 256 * 1024

/**
 * Plugin configs in one conflist. Real chains hold two to five (a main plugin, then portmap,
 * bandwidth, tuning, firewall, sbr); every one runs on every attachment.
 */
export const MAX_CNI_PLUGINS = 32

/**
 * Bytes of `policy.yaml` read per ConfigMap. The YAML library parses about 1 KiB per 0.7 ms;
 * 64 KiB (some 450 rules) stays well inside the 100 ms a request may hold the event loop, and
 * a bigger policy is split across ConfigMaps, which merge.
 */
export const MAX_POLICY_BYTES = 64 * 1024

/** Errors listed in a denial message, and warnings returned; the rest are counted. */
export const MAX_FINDINGS_SHOWN = 20

/** Characters of one finding line in a response or log line; longer lines are cut. */
export const MAX_FINDING_CHARS = 512

/** Characters of a user-supplied value quoted in a message (a name, an address). */
export const MAX_ECHO_CHARS = 80

/**
 * `text` cut to at most `max` characters, marked with "..." and the original length, so that
 * a 1 MiB name quoted in a message costs 100 bytes, not 1 MiB. Cuts never split a surrogate
 * pair.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text
  const note = `... (${text.length} characters)`
  let end = Math.max(0, max - note.length)
  const code = text.charCodeAt(end - 1)
  if (code >= 0xd800 && code <= 0xdbff) end--
  return `${text.slice(0, end)}${note}`
}

/**
 * The first MAX_FINDINGS_SHOWN lines, each cut to MAX_FINDING_CHARS, then one line that counts
 * the rest ("and 19980 more problems"): for responses and log lines alike.
 */
export function shownLines(lines: readonly string[], what: string): string[] {
  const shown = lines.slice(0, MAX_FINDINGS_SHOWN).map((l) => truncate(l, MAX_FINDING_CHARS))
  const more = lines.length - shown.length
  if (more > 0) shown.push(`and ${more} more ${what}${more === 1 ? '' : 's'}`)
  return shown
}
