import t from 'tap'
import type { OptionTable } from '../../src/config/define.js'
import { formatHelp } from '../../src/config/help.js'

interface S {
  readonly port: number
  readonly level: string
  readonly caFile: string | undefined
  readonly dev: boolean
  readonly names: readonly string[]
  readonly tags: readonly string[]
  readonly host: string
  readonly file: string
}

const TABLE: OptionTable<S> = {
  port: {
    group: 'Server',
    type: 'integer',
    default: 8443,
    minimum: 1,
    maximum: 9,
    description: 'The port.',
  },
  level: {
    group: 'Server',
    type: 'string',
    default: 'info',
    enum: ['info', 'debug'],
    description: 'Level.',
  },
  caFile: { group: 'TLS', type: 'string', metavar: 'file', envAliases: ['CA'], description: 'CA.' },
  dev: { group: 'TLS', type: 'boolean', default: false, description: 'Dev.' },
  names: { group: 'TLS', type: 'list', default: ['a', 'b'], description: 'Names.' },
  tags: { group: 'TLS', type: 'list', default: [], metavar: 'x,y', description: 'Tags.' },
  host: {
    group: 'TLS',
    type: 'string',
    default: 'h',
    description: 'Host.',
    defaultText: 'h (--dev: 127.0.0.1)',
  },
  file: { group: 'TLS', type: 'string', default: 'f', description: 'word '.repeat(40).trim() },
}

t.test('help lists every option with flag, value, default and environment, by group', async (t) => {
  const help = formatHelp('x [options]', 'Intro text.', TABLE)
  t.ok(help.startsWith('Usage: x [options]\n\nIntro text.\n\nServer:\n'))
  const I = '      '
  t.match(help, `  --port <int>\n${I}The port.\n${I}default: 8443; env MULTINET_PORT\n`)
  t.match(help, '  --level <info|debug>\n')
  t.match(help, `  --ca-file <file>\n${I}CA.\n${I}default: unset; env MULTINET_CA_FILE; or CA\n`)
  t.match(help, '  --dev, --no-dev\n')
  t.match(help, `  --names <a,b,...>\n${I}Names.\n${I}default: a,b;`)
  t.match(help, `  --tags <x,y>\n${I}Tags.\n${I}default: none;`)
  t.match(help, `  --host <value>\n${I}Host.\n${I}default: h (--dev: 127.0.0.1);`)
  t.match(help, /TLS:\n/)
  t.match(help, /--config <file>/)
  t.match(help, /-h, --help/)
  for (const line of help.split('\n')) t.ok(line.length <= 100, `line fits: ${line.slice(0, 30)}`)
  t.ok(help.indexOf('Server:') < help.indexOf('TLS:'))
})
