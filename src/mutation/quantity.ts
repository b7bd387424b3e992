/**
 * Kubernetes resource quantities, as far as extended resources need them. Extended resources
 * (device pools) are whole numbers, but users may still write `1k`, `2e1` or `1000m`; honour mode
 * adds to what they wrote, so the parse must be exact (BigInt, no floating point).
 */
const QUANTITY = /^\+?(\d+)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/

const DECIMAL_EXP: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
}
const BINARY_EXP: Readonly<Record<string, number>> = {
  Ki: 10,
  Mi: 20,
  Gi: 30,
  Ti: 40,
  Pi: 50,
  Ei: 60,
}

/** A whole, non-negative quantity within the safe integer range; undefined for anything else. */
export function parseWholeQuantity(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0 ? value : undefined
  }
  if (typeof value !== 'string') return undefined
  const m = QUANTITY.exec(value)
  if (!m) return undefined
  const [, whole = '', frac = '', suffix = ''] = m
  let numerator = BigInt(whole + frac)
  let denominator = 10n ** BigInt(frac.length)
  const binary = BINARY_EXP[suffix]
  // `E` alone is exa; `e3`/`E3` is an exponent.
  const decimal =
    suffix.length > 1 && /^[eE]/.test(suffix) ? Number(suffix.slice(1)) : DECIMAL_EXP[suffix]
  if (binary !== undefined) numerator *= 2n ** BigInt(binary)
  else if (decimal !== undefined && Math.abs(decimal) > 40) return undefined
  else if (decimal !== undefined && decimal >= 0) numerator *= 10n ** BigInt(decimal)
  else if (decimal !== undefined) denominator *= 10n ** BigInt(-decimal)
  if (numerator % denominator !== 0n) return undefined
  const result = numerator / denominator
  return result <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(result) : undefined
}

/** How we write a count: a DecimalSI string, as the API server would serialise it. */
export function formatQuantity(n: number): string {
  return String(n)
}
