/**
 * CNI configuration in a NAD's `spec.config`: a single plugin config or a conflist, checked
 * against the types libcni (v1.3) requires, so that a config we admit is one the agent can load.
 * Unlike NADAC, a conflist may omit `name` (spec §3.4.2: it is inferred from the NAD name), and
 * plugin fields are checked in both shapes. Never throws; every problem carries a JSON path.
 */
import { Ajv, type ErrorObject } from 'ajv'
import { error, warning, type Finding } from './finding.js'
import { isObject, jsonTypeOf, parseJson, pathKey, showValue as show } from './json.js'
import { MAX_CNI_PLUGINS } from './limits.js'
import { cniNetworkNameProblem } from './names.js'

export const CNI_VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const

export interface CniConfigResult {
  /** The parsed config with `name` filled in from the NAD; absent when there is an error. */
  readonly config?: Record<string, unknown>
  readonly findings: Finding[]
}

const version = { type: 'string', enum: CNI_VERSIONS }
const stringList = { type: 'array', items: { type: 'string' } }
/** libcni's readBool: a JSON boolean, or the string "true"/"false" in any case. */
const LIBCNI_BOOLS = ['disableCheck', 'disableGC', 'loadOnlyInlinedPlugins'] as const
const boolish = { type: ['boolean', 'string'] }

/** What libcni's PluginConf (and the CNI spec's plugin object) types. */
const pluginProperties = {
  type: { type: 'string', minLength: 1 },
  name: { type: 'string' },
  cniVersion: version,
  capabilities: { type: 'object', additionalProperties: { type: 'boolean' } },
  ipam: { type: 'object', properties: { type: { type: 'string' } } },
  dns: {
    type: 'object',
    properties: {
      nameservers: stringList,
      domain: { type: 'string' },
      search: stringList,
      options: stringList,
    },
  },
  args: { type: 'object' },
  prevResult: { type: 'object' },
}
const plugin = { type: 'object', required: ['type'], properties: pluginProperties }
/** Chosen when the config has a `plugins` key (as Multus and libcni decide). */
const conflist = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    cniVersion: version,
    cniVersions: { type: 'array', items: version },
    ...Object.fromEntries(LIBCNI_BOOLS.map((k) => [k, boolish])),
    plugins: { type: 'array', minItems: 1, items: plugin },
  },
}

const ajv = new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true })
const validateSingle = ajv.compile(plugin)
const validateList = ajv.compile(conflist)

export function validateCniConfig(
  text: string,
  nadName: string,
  path = 'spec.config',
): CniConfigResult {
  const findings: Finding[] = []
  const json = parseJson(text)
  if (!json.ok) {
    findings.push(error('nad.config-json', path, `is not a JSON object: ${json.message}`))
    return { findings }
  }
  const obj = json.value
  if (!isObject(obj)) {
    findings.push(
      error(
        'nad.config-json',
        path,
        `must be a JSON object (a CNI config or conflist), got ${jsonTypeOf(obj)}`,
      ),
    )
    return { findings }
  }
  const isList = 'plugins' in obj
  if (isList && Array.isArray(obj.plugins) && obj.plugins.length > MAX_CNI_PLUGINS) {
    // Checked before the schema: 20,000 plugins made 20,000 findings and a 3 MB answer.
    findings.push(
      error(
        'nad.config-schema',
        pathKey(path, 'plugins'),
        `lists ${obj.plugins.length} plugin configs; at most ${MAX_CNI_PLUGINS} are allowed`,
      ),
    )
    return { findings }
  }
  const validate = isList ? validateList : validateSingle
  if (!validate(obj)) {
    const errors = validate.errors ?? []
    // A value of the wrong type also fails its enum; saying so twice helps nobody.
    const mistyped = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath))
    for (const e of errors) {
      if (e.keyword === 'type' || !mistyped.has(e.instancePath))
        findings.push(fromAjv(e, obj, path))
    }
  }
  if (isList) {
    for (const key of LIBCNI_BOOLS) {
      const v = obj[key]
      if (typeof v !== 'string') continue
      const p = pathKey(path, key)
      if (v.toLowerCase() === 'true' || v.toLowerCase() === 'false') {
        findings.push(
          warning(
            'nad.config-schema',
            p,
            `is the string ${show(v)}; libcni accepts it, but write the JSON boolean ${v.toLowerCase()}`,
          ),
        )
      } else {
        findings.push(error('nad.config-schema', p, `must be true or false, got ${show(v)}`))
      }
    }
  }
  const name = obj.name
  if (typeof name === 'string') {
    const problem = cniNetworkNameProblem(name)
    if (problem) {
      const hint = name === '' ? ': leave "name" out to use the NAD name' : ''
      findings.push(
        error('nad.config-schema', pathKey(path, 'name'), `${show(name)} ${problem}${hint}`),
      )
    } else if (name !== nadName) {
      findings.push(
        warning(
          'nad.config-name',
          pathKey(path, 'name'),
          `${show(name)} differs from the NAD name ${show(nadName)}; spec §3.4.3 recommends they match (plugins see the CNI name, pods select the NAD name)`,
        ),
      )
    }
  }
  if (findings.some((f) => f.severity === 'error')) return { findings }
  return { config: name === undefined ? { ...obj, name: nadName } : obj, findings }
}

/** The plugin types a config names, in order: `[type]` or each plugin's; [] when unreadable. */
export function cniTypesOf(config: unknown): string[] {
  if (!isObject(config)) return []
  if (!('plugins' in config)) return typeof config.type === 'string' ? [config.type] : []
  if (!Array.isArray(config.plugins)) return []
  return config.plugins.flatMap((p: unknown) =>
    isObject(p) && typeof p.type === 'string' ? [p.type] : [],
  )
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  object: 'an object',
  array: 'a list',
  string: 'a string',
  boolean: 'true or false',
  'boolean,string': 'true or false',
}

/** One ajv error as a finding in our words: the JSON path and what the value must be. */
function fromAjv(e: ErrorObject, root: Record<string, unknown>, base: string): Finding {
  let path = toPath(e.instancePath, root, base)
  let message: string
  switch (e.keyword) {
    case 'required': // only `type` is required, of a single config or of each plugin
      path = pathKey(path, (e.params as { missingProperty: string }).missingProperty)
      message = 'is required: the CNI plugin to run, such as "bridge" or "macvlan"'
      break
    case 'type': {
      const want = String((e.params as { type: string | string[] }).type)
      message = `must be ${TYPE_WORDS[want]}, got ${jsonTypeOf(e.data)}`
      break
    }
    case 'minLength':
      message = 'must not be empty'
      break
    case 'minItems':
      message = 'must list at least one plugin config'
      break
    case 'enum':
      message = `must be a CNI version (${CNI_VERSIONS.join(', ')}), got ${show(e.data)}`
      break
    /* c8 ignore next 2 -- the schemas above use only the keywords handled here */
    default:
      message = e.message ?? 'is invalid'
  }
  return error('nad.config-schema', path, message)
}

/** `/plugins/1/ipam` -> `spec.config.plugins[1].ipam`, walking the data to tell lists from maps. */
function toPath(pointer: string, root: unknown, base: string): string {
  let path = base
  let node: unknown = root
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (Array.isArray(node)) {
      path += `[${key}]`
      node = node[Number(key)]
    } else {
      path = pathKey(path, key)
      node = (node as Record<string, unknown>)[key]
    }
  }
  return path
}
