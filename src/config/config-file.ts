import { parse as parseYaml } from 'yaml'
import { MultinetError, messageOf } from '../errors.js'
import type { OptionSpec } from './define.js'
import { splitList } from './parse-args.js'

/**
 * The `--config` file: a YAML (or JSON) mapping keyed by the camelCase option names. Unknown
 * keys are refused here, with the file named, rather than later as a bare schema error.
 */
export function readConfigFile(
  path: string,
  specs: Readonly<Record<string, OptionSpec>>,
  readFile: (path: string) => string,
): Record<string, unknown> {
  let text: string
  try {
    text = readFile(path)
  } catch (err) {
    throw new MultinetError('MN_ERR_FILE_READ', `config file ${path}: ${messageOf(err)}`, {
      cause: err,
    })
  }
  let data: unknown
  try {
    data = parseYaml(text)
  } catch (err) {
    throw new MultinetError('MN_ERR_CONFIG_INVALID', `config file ${path}: ${messageOf(err)}`)
  }
  if (data === null || data === undefined) return {}
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new MultinetError(
      'MN_ERR_CONFIG_INVALID',
      `config file ${path}: must be a mapping of option names to values`,
    )
  }
  const values: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(data)) {
    const spec = specs[key]
    if (spec === undefined) {
      throw new MultinetError(
        'MN_ERR_CONFIG_INVALID',
        `config file ${path}: unknown key '${key}' (keys are the camelCase option names, e.g. ${Object.keys(specs)[0]})`,
      )
    }
    values[key] = spec.type === 'list' && typeof value === 'string' ? splitList(value) : value
  }
  return values
}
