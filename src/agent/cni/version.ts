/**
 * CNI versions: which ones this libcni speaks, how they compare, and which one a configuration
 * and its plugins agree on.
 */

import { CNI_VERSIONS } from '../protocol.js'

/** Every version whose result shape we read and write (0.1.0/0.2.0 used another result shape). */
export const SUPPORTED_VERSIONS = CNI_VERSIONS

/** The newest version we speak, sent in a VERSION probe. */
export const CURRENT_VERSION = '1.1.0'

const SEMVER = /^(\d+)\.(\d+)\.(\d+)$/

/** Parses `x.y.z`; undefined for anything else. */
export function parseVersion(v: string): [number, number, number] | undefined {
  const m = SEMVER.exec(v)
  if (!m) return undefined
  return [Number(m[1]), Number(m[2]), Number(m[3])]
}

/** Compares two `x.y.z` versions (an unparseable one sorts lowest). */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a) ?? [-1, -1, -1]
  const pb = parseVersion(b) ?? [-1, -1, -1]
  for (let i = 0; i < 3; i++) {
    const d = pa[i]! - pb[i]!
    if (d !== 0) return d
  }
  return 0
}

export function isSupportedVersion(v: string): boolean {
  return (SUPPORTED_VERSIONS as readonly string[]).includes(v)
}

/** `v >= min`, for gating CHECK (0.4.0), prevResult on DEL (0.4.0), STATUS and GC (1.1.0). */
export function versionAtLeast(v: string, min: string): boolean {
  return compareVersions(v, min) >= 0
}

/** The highest of `candidates` that also satisfies `accept`, or undefined. */
export function highestVersion(
  candidates: readonly string[],
  accept: (v: string) => boolean = isSupportedVersion,
): string | undefined {
  let best: string | undefined
  for (const v of candidates) {
    if (!accept(v)) continue
    if (best === undefined || compareVersions(v, best) > 0) best = v
  }
  return best
}
