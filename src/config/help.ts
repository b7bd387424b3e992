import { envName, flagName, type OptionSpec, type OptionTable } from './define.js'

const WIDTH = 100
const INDENT = '      '

/**
 * `--help` text derived from the option table: every option with its flag, environment
 * variable and default, grouped as the table groups them.
 */
export function formatHelp<T>(usage: string, intro: string, table: OptionTable<T>): string {
  const specs = table as Readonly<Record<string, OptionSpec>>
  const groups = new Map<string, string[]>()
  for (const [key, spec] of Object.entries(specs)) {
    const lines = groups.get(spec.group) ?? []
    lines.push(...describeOption(key, spec))
    groups.set(spec.group, lines)
  }
  const out = [`Usage: ${usage}`, '', ...wrap(intro, ''), '']
  for (const [group, lines] of groups) {
    out.push(`${group}:`, ...lines, '')
  }
  out.push(
    'General:',
    '  --config <file>',
    ...wrap(
      'YAML or JSON file of options by their camelCase names (e.g. tlsCertFile: /tls/tls.crt). ' +
        'Precedence: flags, then environment, then this file, then defaults.',
      INDENT,
    ),
    `${INDENT}env MULTINET_CONFIG`,
    '  -h, --help',
    `${INDENT}Print this help and exit.`,
    '',
  )
  return out.join('\n')
}

function describeOption(key: string, spec: OptionSpec): string[] {
  const flag = `--${flagName(key)}`
  const head =
    spec.type === 'boolean' ? `  ${flag}, --no-${flagName(key)}` : `  ${flag} ${metavar(spec)}`
  const facts = [`default: ${defaultText(spec)}`, `env ${envName(key)}`]
  for (const alias of spec.envAliases ?? []) facts.push(`or ${alias}`)
  return [head, ...wrap(spec.description, INDENT), `${INDENT}${facts.join('; ')}`]
}

function metavar(spec: Exclude<OptionSpec, { type: 'boolean' }>): string {
  if ('enum' in spec && spec.enum !== undefined) return `<${spec.enum.join('|')}>`
  if (spec.metavar !== undefined) return `<${spec.metavar}>`
  if (spec.type === 'integer') return '<int>'
  if (spec.type === 'list') return '<a,b,...>'
  return '<value>'
}

function defaultText(spec: OptionSpec): string {
  if (spec.defaultText !== undefined) return spec.defaultText
  if (spec.default === undefined) return 'unset'
  if (Array.isArray(spec.default))
    return spec.default.length === 0 ? 'none' : spec.default.join(',')
  return String(spec.default)
}

function wrap(text: string, indent: string): string[] {
  const lines: string[] = []
  let line = indent
  for (const word of text.split(/\s+/)) {
    if (line.length + word.length + 1 > WIDTH && line.trim() !== '') {
      lines.push(line.trimEnd())
      line = indent
    }
    line += (line.trim() === '' ? '' : ' ') + word
  }
  if (line.trim() !== '') lines.push(line)
  return lines
}
