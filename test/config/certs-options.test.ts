import t from 'tap'
import { envName, flagName } from '../../src/config/define.js'
import { CERTS_OPTIONS } from '../../src/config/certs-options.js'
import { loadOptions } from '../../src/config/load.js'
import { CERTS_HELP } from '../../src/cli/certs-command.js'

t.test('defaults: ECDSA, 10-year CA, 1-year certificate, 30-day renewal window', async (t) => {
  const r = loadOptions(CERTS_OPTIONS, { argv: [], env: {}, readFile: () => '' })
  if (r.kind !== 'config') throw new Error('help')
  t.equal(r.config.keyType, 'ecdsa')
  t.equal(r.config.caValidityDays, 3650)
  t.equal(r.config.certValidityDays, 365)
  t.equal(r.config.renewBeforeDays, 30)
  t.equal(r.config.outDir, undefined)
  t.equal(r.config.secret, undefined)
})

t.test('RSA sizes are limited to 2048, 3072 and 4096', async (t) => {
  const load = (bits: string) =>
    loadOptions(CERTS_OPTIONS, {
      argv: ['--key-type', 'rsa', '--rsa-bits', bits],
      env: {},
      readFile: () => '',
    })
  t.match(load('3072'), { kind: 'config', config: { keyType: 'rsa', rsaBits: 3072 } })
  t.throws(() => load('1024'), { code: 'MN_ERR_CONFIG_INVALID' })
})

t.test('--help documents every option', async (t) => {
  for (const key of Object.keys(CERTS_OPTIONS)) {
    t.ok(CERTS_HELP.includes(`--${flagName(key)}`), key)
    t.ok(CERTS_HELP.includes(envName(key)), key)
  }
})
