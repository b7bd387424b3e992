import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { Ajv } from 'ajv'
import { PATTERN_MESSAGES, PATTERNS, POLICY_SCHEMA } from '../../src/policy/schema.js'

const shipped = fileURLToPath(new URL('../../schemas/policy.schema.json', import.meta.url))

t.test('the shipped schema file equals the schema ajv compiles', async (t) => {
  const file: unknown = JSON.parse(readFileSync(shipped, 'utf8'))
  t.same(
    file,
    JSON.parse(JSON.stringify(POLICY_SCHEMA)),
    'regenerate schemas/policy.schema.json from src/policy/schema.ts (JSON.stringify(POLICY_SCHEMA, null, 2))',
  )
})

t.test('the schema compiles in strict mode', async (t) => {
  const validate = new Ajv({ strict: true }).compile(POLICY_SCHEMA)
  t.ok(validate({ apiVersion: 'multinet.io/v1alpha1' }))
  t.notOk(validate({ apiVersion: 'multinet.io/v1' }))
})

t.test('every pattern has a message', async (t) => {
  for (const pattern of Object.values(PATTERNS))
    t.type(PATTERN_MESSAGES[pattern], 'string', pattern)
})

t.test('patterns accept what they should and refuse the rest', async (t) => {
  const re = (p: string): RegExp => new RegExp(p, 'u')
  t.ok(re(PATTERNS.networkGlob).test('storage-*/*'))
  t.ok(re(PATTERNS.networkGlob).test('*/san'))
  t.notOk(re(PATTERNS.networkGlob).test('storage'), 'the namespace is required')
  t.notOk(re(PATTERNS.networkGlob).test('a/b/c'))
  t.notOk(re(PATTERNS.network).test('tenants/*'), 'tenant networks are exact')
  t.ok(re(PATTERNS.serviceAccountGlob).test('*/backup.agent'))
  t.ok(re(PATTERNS.interface).test('net1@my_if'))
  t.notOk(re(PATTERNS.interface).test('..'))
  t.notOk(re(PATTERNS.interface).test('a'.repeat(16)))
  t.notOk(re(PATTERNS.interface).test('eth 0'))
  t.notOk(re(PATTERNS.name).test('Rule'))
})
