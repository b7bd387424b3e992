import t from 'tap'
import { DEFAULT_ADMISSION_OPTIONS } from '../../src/admission/options.js'
import { envName, flagName } from '../../src/config/define.js'
import { loadOptions } from '../../src/config/load.js'
import {
  WEBHOOK_OPTIONS,
  admissionOptionsOf,
  checkWebhookSettings,
  devProfile,
  type WebhookSettings,
} from '../../src/config/webhook-options.js'
import { WEBHOOK_HELP } from '../../src/cli/webhook-command.js'

function load(argv: string[], env: Record<string, string> = {}): WebhookSettings {
  const r = loadOptions(WEBHOOK_OPTIONS, { argv, env, readFile: () => '' }, devProfile)
  if (r.kind !== 'config') throw new Error('help')
  return r.config
}

t.test('the defaults validate and describe a production webhook', async (t) => {
  const s = load([])
  t.equal(s.port, 8443)
  t.equal(s.bindAddress, '0.0.0.0')
  t.equal(s.healthPort, 8081)
  t.equal(s.tlsMinVersion, 'TLSv1.2')
  t.equal(s.clientCaFile, undefined)
  t.equal(s.stateDir, undefined)
  t.equal(s.bodyLimitBytes, 4 * 1024 * 1024)
  t.ok(s.keepAliveTimeoutMs > 90_000, 'outlives the API server idle-connection timeout')
  t.same(admissionOptionsOf(s), DEFAULT_ADMISSION_OPTIONS)
})

t.test(
  '--dev moves listeners to loopback and reads the example state, unless told otherwise',
  async (t) => {
    const s = load(['--dev'])
    t.equal(s.bindAddress, '127.0.0.1')
    t.equal(s.healthBindAddress, '127.0.0.1')
    t.equal(s.tlsCertFile, 'certs/tls.crt')
    t.equal(s.tlsKeyFile, 'certs/tls.key')
    t.equal(s.stateDir, 'examples/state')
    t.equal(load(['--dev', '--state-dir', 'mine']).stateDir, 'mine')
  },
)

t.test('admission options come from flags and environment', async (t) => {
  const s = load(['--agent-users', 'u1,u2', '--no-podnetinfo', '--resource-name-keys', 'a/b'], {
    MULTINET_NAMESPACE: 'ops',
    MULTINET_AGENT_REQUIRE_SAME_NODE: 'false',
  })
  const o = admissionOptionsOf(s)
  t.equal(o.policyNamespace, 'ops')
  t.same(o.agent.users, ['u1', 'u2'])
  t.equal(o.agent.requireSameNode, false)
  t.equal(o.mutation.podnetinfo, false)
  t.same(o.mutation.resourceNameKeys, ['a/b'])
  t.ok(Object.isFrozen(o) && Object.isFrozen(o.agent) && Object.isFrozen(o.mutation))
  t.equal(load([], { POD_NAMESPACE: 'from-downward-api' }).namespace, 'from-downward-api')
})

t.test('TLS 1.3 is selectable and anything older is refused', async (t) => {
  t.equal(load(['--tls-min-version', 'TLSv1.3']).tlsMinVersion, 'TLSv1.3')
  t.throws(() => load(['--tls-min-version', 'TLSv1.1']), { code: 'MN_ERR_CONFIG_INVALID' })
})

t.test(
  '--help documents every option with its flag, environment variable and default',
  async (t) => {
    for (const [key, spec] of Object.entries(WEBHOOK_OPTIONS)) {
      t.ok(WEBHOOK_HELP.includes(`--${flagName(key)}`), `flag of ${key}`)
      t.ok(WEBHOOK_HELP.includes(envName(key)), `env of ${key}`)
      const shown =
        spec.defaultText ?? (Array.isArray(spec.default) ? spec.default.join(',') : spec.default)
      if (shown !== undefined && shown !== '')
        t.ok(WEBHOOK_HELP.includes(`default: ${String(shown)}`), `default of ${key}`)
    }
  },
)

t.test(
  'cross-option rules: header deadline within the request deadline, distinct ports',
  async (t) => {
    t.doesNotThrow(() => checkWebhookSettings(load([])))
    t.doesNotThrow(() => checkWebhookSettings(load(['--port', '0', '--health-port', '0'])))
    t.throws(
      () =>
        checkWebhookSettings(
          load([
            '--headers-timeout-ms',
            '5000',
            '--request-timeout-ms',
            '1000',
            '--health-port',
            '8443',
          ]),
        ),
      {
        code: 'MN_ERR_CONFIG_INVALID',
        message:
          'invalid configuration: headersTimeoutMs (5000) must not exceed requestTimeoutMs (1000); port and healthPort must differ (both 8443)',
      },
    )
  },
)

// Issue 11 #8, #9: the new connection options and their defaults.
t.test(
  'TLS ciphers default to AEAD-only suites; handshake deadline and connection cap',
  async (t) => {
    const { WEBHOOK_OPTIONS: o } = await import('../../src/config/webhook-options.js')
    const ciphers = o.tlsCiphers.default!.split(':')
    t.ok(ciphers.length >= 6)
    for (const c of ciphers) t.match(c, /GCM|CHACHA20-POLY1305|CHACHA20_POLY1305/, c)
    t.notOk(ciphers.some((c) => /CBC|-SHA$|SHA1|RC4|3DES|^AES/.test(c)))
    t.equal(o.tlsHandshakeTimeoutMs.default, 5_000)
    t.equal(o.maxConnections.default, 1024)
  },
)
