/**
 * Arguments of the plugin commands: kubectl's short forms (`-n ns`, `-nns`, `-n=ns`, `-A`,
 * `-owide`, `-l app=x`, `-f file`) become the long flags of the option table, positionals
 * (`pod/NAME`) are set aside, and the table's loader does the rest (env, --config, validation).
 */
import { readFileSync } from 'node:fs'
import { flagName, type OptionSpec, type OptionTable } from '../../config/define.js'
import { formatHelp } from '../../config/help.js'
import {
  KUBECTL_OPTIONS,
  KUBECTL_SHORT_FLAGS,
  type KubectlSettings,
} from '../../config/kubectl-options.js'
import { loadOptions } from '../../config/load.js'
import { MultinetError } from '../../errors.js'

export type KubectlKey = keyof KubectlSettings

/** Every plugin command reaches the cluster the same way. */
export const ACCESS_KEYS: readonly KubectlKey[] = [
  'kubeconfig',
  'context',
  'namespace',
  'allNamespaces',
  'selector',
  'pageSize',
  'requestTimeoutMs',
]
const POLICY_KEYS: readonly KubectlKey[] = [
  'policyNamespace',
  'policyLabel',
  'physicalNetworkLabelPrefix',
  'resourceNameKeys',
]

export interface CommandSpec {
  readonly name: string
  readonly usage: string
  readonly intro: string
  /** Options beyond ACCESS_KEYS (with their defaults for the rest). */
  readonly keys: readonly KubectlKey[]
  /** How many positionals the command takes at most. */
  readonly positionals: number
}

export type ParsedCommand =
  | { readonly kind: 'help'; readonly text: string }
  | {
      readonly kind: 'run'
      readonly settings: KubectlSettings
      readonly positionals: readonly string[]
    }

export function tableFor(spec: CommandSpec): OptionTable<Partial<KubectlSettings>> {
  const keys = new Set<KubectlKey>([...ACCESS_KEYS, ...POLICY_KEYS, ...spec.keys])
  return Object.fromEntries(
    Object.entries(KUBECTL_OPTIONS).filter(([k]) => keys.has(k as KubectlKey)),
  ) as OptionTable<Partial<KubectlSettings>>
}

export function parseCommand(
  spec: CommandSpec,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ParsedCommand {
  const table = tableFor(spec)
  const { args, positionals } = expandArgs(argv, table as Readonly<Record<string, OptionSpec>>)
  const loaded = loadOptions(table, { argv: args, env, readFile: (p) => readFileSync(p, 'utf8') })
  if (loaded.kind === 'help') {
    return { kind: 'help', text: formatHelp(spec.usage, spec.intro, table) }
  }
  if (positionals.length > spec.positionals) {
    throw new MultinetError(
      'MN_ERR_USAGE',
      `unexpected argument '${positionals[spec.positionals]}' (see --help)`,
    )
  }
  // Options a command does not take keep the table's defaults, so the settings are whole.
  const settings = { ...defaultsOf(), ...loaded.config } as KubectlSettings
  return { kind: 'run', settings: Object.freeze(settings), positionals }
}

function defaultsOf(): Partial<KubectlSettings> {
  const out: Record<string, unknown> = {}
  for (const [key, spec] of Object.entries(KUBECTL_OPTIONS) as [string, OptionSpec][]) {
    if (spec.default !== undefined) out[key] = spec.default
  }
  return out as Partial<KubectlSettings>
}

/** Short flags to long ones; positionals apart. Unknown long flags are left to the loader. */
export function expandArgs(
  argv: readonly string[],
  table: Readonly<Record<string, OptionSpec>>,
): { args: string[]; positionals: string[] } {
  const byFlag = new Map(Object.entries(table).map(([k, s]) => [flagName(k), s]))
  const args: string[] = []
  const positionals: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (arg.startsWith('--')) {
      args.push(arg)
      const name = arg.slice(2)
      const spec = byFlag.get(name)
      const takesValue = name === 'config' || (spec !== undefined && spec.type !== 'boolean')
      const next = argv[i + 1]
      if (takesValue && next !== undefined) {
        args.push(next)
        i++
      }
      continue
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg)
      continue
    }
    const letter = arg[1] as string
    if (letter === 'h' && arg.length === 2) {
      args.push('--help')
      continue
    }
    const key = KUBECTL_SHORT_FLAGS[letter]
    const spec = key === undefined ? undefined : table[key]
    if (key === undefined || spec === undefined) {
      throw new MultinetError('MN_ERR_USAGE', `unknown option -${letter}; see --help`)
    }
    const flag = `--${flagName(key)}`
    if (spec.type === 'boolean') {
      if (arg.length > 2) throw new MultinetError('MN_ERR_USAGE', `-${letter} takes no value`)
      args.push(flag)
      continue
    }
    let value = arg.slice(2)
    if (value.startsWith('=')) value = value.slice(1)
    if (value === '') {
      const next = argv[i + 1]
      if (next === undefined) throw new MultinetError('MN_ERR_USAGE', `-${letter} needs a value`)
      value = next
      i++
    }
    args.push(`${flag}=${value}`)
  }
  return { args, positionals }
}
