import t from 'tap'
import type { OptionTable } from '../../src/config/define.js'
import { loadOptions, schemaOf, type LoadInput } from '../../src/config/load.js'

interface Settings {
  readonly port: number
  readonly host: string
  readonly level: 'info' | 'debug'
  readonly caFile: string | undefined
  readonly dev: boolean
  readonly names: readonly string[]
  readonly bits: number
}

const TABLE: OptionTable<Settings> = {
  port: {
    group: 'S',
    type: 'integer',
    default: 8443,
    minimum: 1,
    maximum: 65535,
    description: 'p',
  },
  host: { group: 'S', type: 'string', default: '0.0.0.0', description: 'h' },
  level: { group: 'S', type: 'string', default: 'info', enum: ['info', 'debug'], description: 'l' },
  caFile: { group: 'S', type: 'string', envAliases: ['CA_FILE', 'OTHER_CA'], description: 'c' },
  dev: { group: 'S', type: 'boolean', default: false, description: 'd' },
  names: { group: 'S', type: 'list', default: ['a'], description: 'n' },
  bits: {
    group: 'S',
    type: 'integer',
    default: 2048,
    minimum: 0,
    maximum: 9999,
    enum: [2048, 3072],
    description: 'b',
  },
}

function input(over: Partial<LoadInput> = {}, files: Record<string, string> = {}): LoadInput {
  return {
    argv: [],
    env: {},
    readFile: (path) => {
      const text = files[path]
      if (text === undefined) throw new Error(`ENOENT: no such file, open '${path}'`)
      return text
    },
    ...over,
  }
}

function config(result: ReturnType<typeof loadOptions<Settings>>) {
  if (result.kind !== 'config') throw new Error('expected a config')
  return result
}

t.test('defaults alone validate, and the result is deep-frozen', async (t) => {
  const { config: c, sources } = config(loadOptions(TABLE, input()))
  t.same(c, { port: 8443, host: '0.0.0.0', level: 'info', dev: false, names: ['a'], bits: 2048 })
  t.equal(c.caFile, undefined)
  t.equal(sources.port, 'default')
  t.ok(Object.isFrozen(c))
  t.ok(Object.isFrozen(c.names))
})

t.test('--help wins over everything, even invalid values', async (t) => {
  t.same(loadOptions(TABLE, input({ argv: ['--port', 'x', '--help'] })), { kind: 'help' })
})

t.test('flags over env over file over defaults, with coercion and sources', async (t) => {
  const files = { 'c.yaml': 'port: 1000\nhost: file-host\nnames: x, y\ndev: true\n' }
  const env = { MULTINET_PORT: '2000', MULTINET_HOST: 'env-host', MULTINET_CONFIG: 'c.yaml' }
  const r = config(loadOptions(TABLE, input({ argv: ['--port', '3000'], env }, files)))
  t.equal(r.config.port, 3000)
  t.equal(r.sources.port, 'flag --port')
  t.equal(r.config.host, 'env-host')
  t.equal(r.sources.host, 'env MULTINET_HOST')
  t.same(r.config.names, ['x', 'y'])
  t.equal(r.sources.names, 'file c.yaml')
  t.equal(r.config.dev, true)
})

t.test('--config overrides MULTINET_CONFIG; YAML lists and JSON files work', async (t) => {
  const files = { 'a.json': '{"names": ["p", "q"], "port": "77"}', 'b.yaml': 'port: 1' }
  const r = config(
    loadOptions(
      TABLE,
      input({ argv: ['--config', 'a.json'], env: { MULTINET_CONFIG: 'b.yaml' } }, files),
    ),
  )
  t.same(r.config.names, ['p', 'q'])
  t.equal(r.config.port, 77)
})

t.test(
  'environment: own variable beats aliases, first alias wins, empty means unset',
  async (t) => {
    let r = config(loadOptions(TABLE, input({ env: { OTHER_CA: '/o', CA_FILE: '/c' } })))
    t.equal(r.config.caFile, '/c')
    t.equal(r.sources.caFile, 'env CA_FILE')
    r = config(loadOptions(TABLE, input({ env: { CA_FILE: '/c', MULTINET_CA_FILE: '/m' } })))
    t.equal(r.config.caFile, '/m')
    r = config(
      loadOptions(TABLE, input({ env: { CA_FILE: '', MULTINET_HOST: '', MULTINET_NAMES: 'u,v' } })),
    )
    t.equal(r.config.caFile, undefined)
    t.equal(r.config.host, '0.0.0.0')
    t.same(r.config.names, ['u', 'v'])
    // An explicit empty list is a value (it clears the default), an empty scalar is not.
    r = config(loadOptions(TABLE, input({ argv: ['--names='] })))
    t.same(r.config.names, [])
    r = config(loadOptions(TABLE, input({ argv: ['--ca-file='] })))
    t.equal(r.config.caFile, undefined)
  },
)

t.test(
  'validation errors name the option, the value, where it came from and the rule',
  async (t) => {
    t.throws(() => loadOptions(TABLE, input({ argv: ['--port', '70000'] })), {
      code: 'MN_ERR_CONFIG_INVALID',
      message: 'invalid configuration: port = "70000" from flag --port: must be <= 65535',
    })
    t.throws(() => loadOptions(TABLE, input({ env: { MULTINET_LEVEL: 'loud' } })), {
      message:
        /level = "loud" from env MULTINET_LEVEL: must be equal to one of the allowed values \(one of "info", "debug"\)/,
    })
    t.throws(() => loadOptions(TABLE, input({ argv: ['--bits', '1024'] })), {
      message: /bits = "1024" from flag --bits: .*\(one of 2048, 3072\)/,
    })
    const err = (() => {
      try {
        loadOptions(TABLE, input({ argv: ['--port', 'x', '--dev=maybe'] }))
      } catch (e) {
        return e as Error & { details: { problems: string[] } }
      }
      throw new Error('expected an error')
    })()
    t.match(err.message, /port = "x" from flag --port: must be integer/)
    t.match(err.message, /dev = "maybe" from flag --dev: must be boolean/)
    t.equal(err.details.problems.length, 2)
    const files = { 'c.yaml': 'names: [a, ""]' }
    t.throws(() => loadOptions(TABLE, input({ argv: ['--config', 'c.yaml'] }, files)), {
      message: /names = \["a",""\] from file c.yaml: must NOT have fewer than 1 characters/,
    })
  },
)

t.test('config file problems are precise', async (t) => {
  t.throws(() => loadOptions(TABLE, input({ argv: ['--config', 'missing.yaml'] })), {
    code: 'MN_ERR_FILE_READ',
    message: /cannot read config file missing.yaml: ENOENT/,
  })
  const files = {
    'bad.yaml': 'port: [1,\n',
    'list.yaml': '- a\n- b\n',
    'typo.yaml': 'prot: 1\n',
    'empty.yaml': '# nothing here\n',
  }
  t.throws(() => loadOptions(TABLE, input({ argv: ['--config', 'bad.yaml'] }, files)), {
    code: 'MN_ERR_CONFIG_INVALID',
    message: /config file bad.yaml: /,
  })
  t.throws(() => loadOptions(TABLE, input({ argv: ['--config', 'list.yaml'] }, files)), {
    message: /list.yaml: must be a mapping of option names to values/,
  })
  t.throws(() => loadOptions(TABLE, input({ argv: ['--config', 'typo.yaml'] }, files)), {
    message: /typo.yaml: unknown key 'prot' \(keys are the camelCase option names, e.g. port\)/,
  })
  t.equal(
    config(loadOptions(TABLE, input({ argv: ['--config', 'empty.yaml'] }, files))).config.port,
    8443,
  )
})

t.test('a profile changes defaults only, never what the user set', async (t) => {
  const profile = (c: Settings) => (c.dev ? { host: '127.0.0.1', port: 9000 } : {})
  let r = config(loadOptions(TABLE, input({ argv: ['--dev', '--port', '1'] }), profile))
  t.equal(r.config.host, '127.0.0.1')
  t.equal(r.sources.host, 'profile')
  t.equal(r.config.port, 1)
  r = config(loadOptions(TABLE, input(), profile))
  t.equal(r.config.host, '0.0.0.0')
  // a profile may fill an option that has no default at all
  r = config(loadOptions(TABLE, input(), () => ({ caFile: '/p' })))
  t.equal(r.config.caFile, '/p')
  // and its values are validated like any other
  t.throws(() => loadOptions(TABLE, input(), () => ({ port: 0 })), {
    message: /port = 0 from profile/,
  })
})

t.test('schemaOf describes every option and refuses unknown keys', async (t) => {
  const schema = schemaOf(TABLE as never) as {
    properties: Record<string, unknown>
    additionalProperties: boolean
  }
  t.same(Object.keys(schema.properties), Object.keys(TABLE))
  t.equal(schema.additionalProperties, false)
  t.same(schema.properties.bits, { type: 'integer', enum: [2048, 3072] })
  t.same(schema.properties.names, { type: 'array', items: { type: 'string', minLength: 1 } })
})
