import t from 'tap'
import type { OptionSpec } from '../../src/config/define.js'
import { parseArgs, splitList } from '../../src/config/parse-args.js'

const TABLE: Record<string, OptionSpec> = {
  port: { group: 'g', type: 'integer', default: 1, minimum: 0, maximum: 9, description: 'd' },
  tlsCertFile: { group: 'g', type: 'string', description: 'd' },
  dev: { group: 'g', type: 'boolean', default: false, description: 'd' },
  dnsNames: { group: 'g', type: 'list', default: [], description: 'd' },
}

t.test('values in both forms, booleans and negations, lists accumulated', async (t) => {
  const parsed = parseArgs(
    ['--port', '8443', '--tls-cert-file=/x', '--dev', '--dns-names', 'a, b', '--dns-names=c,,'],
    TABLE,
  )
  t.same(parsed.values, { port: '8443', tlsCertFile: '/x', dev: true, dnsNames: ['a', 'b', 'c'] })
  t.equal(parsed.help, false)
  t.equal(parsed.configFile, undefined)
  t.same(parseArgs(['--no-dev'], TABLE).values, { dev: false })
  t.same(parseArgs(['--dev=false'], TABLE).values, { dev: 'false' })
})

t.test('help and config file', async (t) => {
  t.equal(parseArgs(['-h'], TABLE).help, true)
  t.equal(parseArgs(['--help'], TABLE).help, true)
  t.equal(parseArgs(['--config', 'c.yaml'], TABLE).configFile, 'c.yaml')
  t.equal(parseArgs(['--config=d.yaml'], TABLE).configFile, 'd.yaml')
})

t.test('usage errors say what to type', async (t) => {
  t.throws(() => parseArgs(['--prot', '1'], TABLE), {
    code: 'MN_ERR_USAGE',
    message: 'unknown option --prot (did you mean --port?)',
  })
  t.throws(() => parseArgs(['--tls-cert'], TABLE), {
    message: 'unknown option --tls-cert (did you mean --tls-cert-file?)',
  })
  t.throws(() => parseArgs(['--completely-unknown'], TABLE), {
    message: 'unknown option --completely-unknown; see --help',
  })
  t.throws(() => parseArgs(['--port'], TABLE), { message: '--port needs a value' })
  t.throws(() => parseArgs(['--port', '--dev'], TABLE), { message: '--port needs a value' })
  t.throws(() => parseArgs(['serve'], TABLE), {
    message: "unexpected argument 'serve' (options start with --)",
  })
  t.throws(() => parseArgs(['--'], TABLE), { code: 'MN_ERR_USAGE' })
  // --no- only negates booleans
  t.throws(() => parseArgs(['--no-port'], TABLE), { message: /unknown option --no-port/ })
})

t.test('a value may itself start with a dash', async (t) => {
  t.same(parseArgs(['--tls-cert-file', '-'], TABLE).values, { tlsCertFile: '-' })
})

t.test('splitList trims and drops empty items', async (t) => {
  t.same(splitList(' a ,b,, c,'), ['a', 'b', 'c'])
  t.same(splitList(''), [])
})
