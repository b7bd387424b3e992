import { MultinetError, messageOf } from '../../errors.js'
import type { NetworkConfigList, PluginConf } from './types.js'
import {
  SUPPORTED_VERSIONS,
  compareVersions,
  highestVersion,
  isSupportedVersion,
  parseVersion,
} from './version.js'

/** CNI names (network `name`, container IDs): alphanumeric first, then `[A-Za-z0-9_.-]`. */
export const CNI_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/

/** A plugin `type` is a file name in a bin dir: never a path (`../../bin/sh`). */
const PLUGIN_TYPE = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/

export interface ParseOptions {
  /** The network name when the config has none (a NAD's name). */
  readonly name?: string
}

type Json = Record<string, unknown>

function fail(path: string, why: string): never {
  throw new MultinetError('MN_ERR_CNI_CONFIG', `${path}: ${why}`, { details: { path } })
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  return `${typeof v} ${JSON.stringify(v)}`
}

/** `disableCheck`/`disableGC`: a boolean, or the strings "true"/"false" (libcni accepts both). */
function flag(raw: Json, key: string): boolean {
  const v = raw[key]
  if (v === undefined) return false
  if (typeof v === 'boolean') return v
  if (v === 'true' || v === 'false') return v === 'true'
  return fail(`$.${key}`, `expected a boolean, got ${describe(v)}`)
}

function chooseVersion(raw: Json): string {
  const candidates: string[] = []
  const one = raw.cniVersion
  if (one !== undefined) {
    if (typeof one !== 'string' || !parseVersion(one)) {
      fail('$.cniVersion', `expected a version like "1.0.0", got ${describe(one)}`)
    }
    candidates.push(one)
  }
  const many = raw.cniVersions
  if (many !== undefined) {
    if (!Array.isArray(many)) fail('$.cniVersions', `expected an array, got ${describe(many)}`)
    many.forEach((v: unknown, i) => {
      if (typeof v !== 'string' || !parseVersion(v)) {
        fail(`$.cniVersions[${i}]`, `expected a version like "1.1.0", got ${describe(v)}`)
      }
      candidates.push(v)
    })
  }
  if (candidates.length === 0) {
    fail('$.cniVersion', `required (one of ${SUPPORTED_VERSIONS.join(', ')})`)
  }
  const best = highestVersion(candidates, isSupportedVersion)
  if (best === undefined) {
    fail(
      many === undefined ? '$.cniVersion' : '$.cniVersions',
      `CNI version ${candidates.join(', ')} not supported (supported: ${SUPPORTED_VERSIONS.join(', ')})`,
    )
  }
  return best
}

function checkPlugin(p: unknown, path: string): PluginConf {
  if (!isObject(p)) fail(path, `expected a JSON object, got ${describe(p)}`)
  const type = p.type
  if (type === undefined) fail(`${path}.type`, 'required')
  if (typeof type !== 'string' || !PLUGIN_TYPE.test(type)) {
    fail(`${path}.type`, `expected a plugin binary name, got ${describe(type)}`)
  }
  const caps = p.capabilities
  if (caps !== undefined) {
    if (!isObject(caps)) fail(`${path}.capabilities`, `expected an object, got ${describe(caps)}`)
    for (const [k, v] of Object.entries(caps)) {
      if (typeof v !== 'boolean') {
        fail(`${path}.capabilities.${k}`, `expected a boolean, got ${describe(v)}`)
      }
    }
  }
  return p as PluginConf
}

/**
 * Reads a `.conf` (one plugin) or `.conflist` (a `plugins` array) into a NetworkConfigList:
 * the version chosen (highest of `cniVersion`/`cniVersions` that we support), the flags, and the
 * plugins checked. Every problem is a MN_ERR_CNI_CONFIG naming the JSON path.
 */
export function parseNetworkConfig(
  input: string | unknown,
  options: ParseOptions = {},
): NetworkConfigList {
  let raw: unknown = input
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input)
    } catch (err) {
      fail('$', `not valid JSON: ${messageOf(err)}`)
    }
  }
  if (!isObject(raw)) fail('$', `expected a JSON object, got ${describe(raw)}`)
  let name = raw.name
  if (name === undefined) name = options.name
  if (name === undefined) fail('$.name', 'required')
  if (typeof name !== 'string' || !CNI_NAME.test(name)) {
    fail('$.name', `expected a name of [A-Za-z0-9_.-] starting alphanumeric, got ${describe(name)}`)
  }
  const cniVersion = chooseVersion(raw)
  const single = raw.plugins === undefined
  let plugins: PluginConf[]
  if (single) {
    plugins = [checkPlugin(raw, '$')]
  } else {
    const list = raw.plugins
    if (!Array.isArray(list) || list.length === 0) {
      fail('$.plugins', `expected a non-empty array, got ${describe(list)}`)
    }
    plugins = list.map((p, i) => checkPlugin(p, `$.plugins[${i}]`))
  }
  return Object.freeze({
    name,
    cniVersion,
    disableCheck: flag(raw, 'disableCheck'),
    disableGC: flag(raw, 'disableGC'),
    plugins: Object.freeze(plugins),
    single,
    raw,
  })
}

/** Every version the config accepts that we support, newest first (the negotiation's candidates). */
export function configVersions(list: NetworkConfigList): string[] {
  const raw = list.raw
  const all = [raw.cniVersion, ...(Array.isArray(raw.cniVersions) ? raw.cniVersions : [])]
  const ours = all.filter((v): v is string => typeof v === 'string' && isSupportedVersion(v))
  return [...new Set(ours)].sort((a, b) => compareVersions(b, a))
}
