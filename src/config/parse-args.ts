import { MultinetError } from '../errors.js'
import { flagName, type OptionSpec, type OptionValue } from './define.js'

export interface ParsedArgs {
  /** Values by option key: strings as typed (ajv coerces them), lists split on commas. */
  readonly values: Readonly<Record<string, OptionValue>>
  readonly help: boolean
  readonly configFile: string | undefined
}

/** Splits `a, b,,c` into `['a', 'b', 'c']`: flags, env and files all accept comma lists. */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

/**
 * GNU-style flags: `--name value`, `--name=value`, `--flag`/`--no-flag` for booleans, list
 * options repeated or comma-separated. Anything else is a usage error that says what to type.
 */
export function parseArgs(
  argv: readonly string[],
  table: Readonly<Record<string, OptionSpec>>,
): ParsedArgs {
  const byFlag = new Map(Object.entries(table).map(([key, spec]) => [flagName(key), { key, spec }]))
  const values: Record<string, OptionValue> = {}
  let help = false
  let configFile: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '-h' || arg === '--help') {
      help = true
      continue
    }
    if (!arg.startsWith('--') || arg === '--') {
      throw new MultinetError(
        'MN_ERR_USAGE',
        `unexpected argument '${arg}' (options start with --)`,
      )
    }
    const eq = arg.indexOf('=')
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq)
    const inline = eq === -1 ? undefined : arg.slice(eq + 1)
    const takeValue = (): string => {
      if (inline !== undefined) return inline
      const next = argv[i + 1]
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new MultinetError('MN_ERR_USAGE', `--${name} needs a value`)
      }
      i++
      return next
    }
    if (name === 'config') {
      configFile = takeValue()
      continue
    }
    const negated = name.startsWith('no-') ? byFlag.get(name.slice(3)) : undefined
    if (negated?.spec.type === 'boolean' && inline === undefined) {
      values[negated.key] = false
      continue
    }
    const found = byFlag.get(name)
    if (found === undefined) {
      const hint = closest(name, [...byFlag.keys(), 'config', 'help'])
      const suffix = hint === undefined ? '; see --help' : ` (did you mean --${hint}?)`
      throw new MultinetError('MN_ERR_USAGE', `unknown option --${name}${suffix}`)
    }
    const { key, spec } = found
    if (spec.type === 'boolean') {
      values[key] = inline ?? true
    } else if (spec.type === 'list') {
      const prior = values[key]
      const list = Array.isArray(prior) ? (prior as string[]) : []
      values[key] = [...list, ...splitList(takeValue())]
    } else {
      values[key] = takeValue()
    }
  }
  return { values, help, configFile }
}

/** The flag a typo most likely meant: the only one it abbreviates, or one within 2 edits. */
function closest(name: string, known: readonly string[]): string | undefined {
  const extensions = known.filter((candidate) => candidate.startsWith(name))
  if (extensions.length === 1) return extensions[0]
  let best: string | undefined
  let bestDistance = 3
  for (const candidate of known) {
    const d = editDistance(name, candidate)
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const next = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      next[j] = Math.min(
        (row[j] as number) + 1,
        (next[j - 1] as number) + 1,
        (row[j - 1] as number) + cost,
      )
    }
    row = next
  }
  return row[b.length] as number
}
