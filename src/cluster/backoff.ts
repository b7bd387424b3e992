/**
 * Reconnect delays for list/watch: exponential, capped, with jitter so that many webhook
 * replicas that lost the same apiserver do not all come back in the same millisecond.
 */
export interface BackoffOptions {
  readonly initialMs: number
  readonly maxMs: number
  readonly factor: number
  /** Share of the delay that is random: 0.5 gives a delay in [base/2, base]. */
  readonly jitter: number
}

// A webhook that cannot see changes serves stale decisions, so the cap stays well below
// client-go's 30 s: three watches per replica are no load worth protecting the apiserver from.
export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({
  initialMs: 200,
  maxMs: 10_000,
  factor: 2,
  jitter: 0.5,
})

/** The wait before retry number `attempt` (0 for the first retry after a failure). */
export function backoffDelay(
  attempt: number,
  opts: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const steps = Math.max(0, Math.floor(attempt))
  // Math.min before the power would still overflow to Infinity for huge attempts; cap the
  // exponent instead (64 doublings exceed any sane cap).
  const base = Math.min(opts.maxMs, opts.initialMs * opts.factor ** Math.min(steps, 64))
  const jitter = Math.min(1, Math.max(0, opts.jitter))
  return Math.round(base * (1 - jitter + jitter * random()))
}
