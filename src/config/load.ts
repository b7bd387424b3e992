import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { MultinetError } from '../errors.js'
import { readConfigFile } from './config-file.js'
import { envName, flagName, type OptionSpec, type OptionTable, type OptionValue } from './define.js'
import { parseArgs, splitList } from './parse-args.js'

export interface LoadInput {
  readonly argv: readonly string[]
  readonly env: Readonly<Record<string, string | undefined>>
  /** Reads the `--config` file; injected so that loading stays testable without a disk. */
  readonly readFile: (path: string) => string
}

export type LoadResult<T> =
  | { readonly kind: 'help' }
  | { readonly kind: 'config'; readonly config: Readonly<T>; readonly sources: Sources<T> }

/** Where each value came from, e.g. `flag --port`, `env MULTINET_PORT`, `file x.yaml`, `default`. */
export type Sources<T> = Readonly<Record<keyof T, string>>

/**
 * Defaults that depend on other options (e.g. `--dev` moves every listener to 127.0.0.1): they
 * replace table defaults only, never a value the user gave.
 */
export type Profile<T> = (config: Readonly<T>) => Partial<Record<keyof T, OptionValue>>

const validators = new WeakMap<object, ValidateFunction>()

/**
 * Flags over environment over config file over defaults, validated once by ajv (which also
 * coerces the strings of flags and environment) and returned deep-frozen. Every error names the
 * option, where its value came from and what is expected.
 */
export function loadOptions<T>(
  table: OptionTable<T>,
  input: LoadInput,
  profile?: Profile<T>,
): LoadResult<T> {
  const specs = table as Readonly<Record<string, OptionSpec>>
  const args = parseArgs(input.argv, specs)
  if (args.help) return { kind: 'help' }
  const layers: { source: (key: string) => string; values: Record<string, unknown> }[] = []
  const configFile = args.configFile ?? nonEmpty(input.env.MULTINET_CONFIG)
  if (configFile !== undefined) {
    layers.push({
      source: () => `file ${configFile}`,
      values: readConfigFile(configFile, specs, input.readFile),
    })
  }
  layers.push(...envLayers(specs, input.env))
  layers.push({ source: (k) => `flag --${flagName(k)}`, values: { ...args.values } })

  const merged: Record<string, unknown> = {}
  const sources: Record<string, string> = {}
  for (const [key, spec] of Object.entries(specs)) {
    if (spec.default !== undefined) {
      merged[key] = spec.default
      sources[key] = 'default'
    }
  }
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer.values)) {
      if (value === '' && (specs[key] as OptionSpec).type !== 'list') {
        // An empty value means "not set": the lower layer (or the default) stays.
        continue
      }
      merged[key] = value
      sources[key] = layer.source(key)
    }
  }
  let config = validate(specs, merged, sources)
  if (profile !== undefined) {
    const overrides = profile(config as T) as Record<string, OptionValue>
    let changed = false
    for (const [key, value] of Object.entries(overrides)) {
      if (sources[key] === 'default' || sources[key] === undefined) {
        merged[key] = value
        sources[key] = 'profile'
        changed = true
      }
    }
    if (changed) config = validate(specs, merged, sources)
  }
  return {
    kind: 'config',
    config: deepFreeze(config) as Readonly<T>,
    sources: Object.freeze(sources) as Sources<T>,
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}

function envLayers(
  specs: Readonly<Record<string, OptionSpec>>,
  env: LoadInput['env'],
): { source: (key: string) => string; values: Record<string, unknown> }[] {
  // Aliases (standard names like KUBECONFIG) rank below our own prefixed variables.
  const aliases: Record<string, unknown> = {}
  const aliasSource: Record<string, string> = {}
  const own: Record<string, unknown> = {}
  for (const [key, spec] of Object.entries(specs)) {
    for (const alias of spec.envAliases ?? []) {
      const value = nonEmpty(env[alias])
      if (value !== undefined && aliases[key] === undefined) {
        aliases[key] = spec.type === 'list' ? splitList(value) : value
        aliasSource[key] = `env ${alias}`
      }
    }
    const value = env[envName(key)]
    if (value !== undefined) own[key] = spec.type === 'list' ? splitList(value) : value
  }
  return [
    { source: (k) => aliasSource[k] as string, values: aliases },
    { source: (k) => `env ${envName(k)}`, values: own },
  ]
}

function validate(
  specs: Readonly<Record<string, OptionSpec>>,
  merged: Record<string, unknown>,
  sources: Record<string, string>,
): Record<string, unknown> {
  const data = structuredClone(merged)
  const check = validatorFor(specs)
  if (!check(data)) {
    const problems = (check.errors ?? []).map((e) => describe(e, merged, sources))
    throw new MultinetError('MN_ERR_CONFIG_INVALID', problems.join('; '), {
      details: { problems },
    })
  }
  return data
}

function describe(
  error: ErrorObject,
  merged: Record<string, unknown>,
  sources: Record<string, string>,
): string {
  const key = error.instancePath.split('/')[1] ?? ''
  const where = sources[key] ?? 'default'
  const allowed = error.keyword === 'enum' ? ` (one of ${describeEnum(error)})` : ''
  return `${key} = ${JSON.stringify(merged[key])} from ${where}: ${error.message ?? 'invalid'}${allowed}`
}

function describeEnum(error: ErrorObject): string {
  const params = error.params as { allowedValues?: unknown[] }
  return (params.allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ')
}

function validatorFor(specs: Readonly<Record<string, OptionSpec>>): ValidateFunction {
  const cached = validators.get(specs)
  if (cached !== undefined) return cached
  const ajv = new Ajv({ allErrors: true, coerceTypes: true, strict: true })
  const compiled = ajv.compile(schemaOf(specs))
  validators.set(specs, compiled)
  return compiled
}

/** The JSON Schema of a table (also useful to document a config file). */
export function schemaOf(specs: Readonly<Record<string, OptionSpec>>): Record<string, unknown> {
  const properties: Record<string, unknown> = {}
  for (const [key, spec] of Object.entries(specs)) {
    properties[key] = propertySchema(spec)
  }
  return { type: 'object', properties, additionalProperties: false }
}

function propertySchema(spec: OptionSpec): Record<string, unknown> {
  switch (spec.type) {
    case 'string':
      return spec.enum ? { type: 'string', enum: spec.enum } : { type: 'string', minLength: 1 }
    case 'integer':
      return spec.enum
        ? { type: 'integer', enum: spec.enum }
        : { type: 'integer', minimum: spec.minimum, maximum: spec.maximum }
    case 'boolean':
      return { type: 'boolean' }
    case 'list':
      return { type: 'array', items: { type: 'string', minLength: 1 } }
  }
}

function deepFreeze<V>(value: V): V {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}
