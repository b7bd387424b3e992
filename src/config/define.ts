/**
 * One declarative table per command describes every option once: its flag, its environment
 * variable, its type, default and help text. The ajv schema, the flag parser, the environment
 * reader and `--help` are all derived from it, so they cannot drift apart.
 */

interface BaseSpec {
  /** Heading under which `--help` lists the option. */
  readonly group: string
  readonly description: string
  /** Extra environment variables read after `MULTINET_<KEY>` (e.g. the standard `KUBECONFIG`). */
  readonly envAliases?: readonly string[]
  /** Shown in `--help` instead of the default when the real default depends on other options. */
  readonly defaultText?: string
}

export interface StringSpec extends BaseSpec {
  readonly type: 'string'
  readonly default?: string
  readonly enum?: readonly string[]
  /** Name of the value in `--help`, e.g. `<file>`. */
  readonly metavar?: string
}

export interface IntegerSpec extends BaseSpec {
  readonly type: 'integer'
  readonly default: number
  readonly minimum: number
  readonly maximum: number
  readonly enum?: readonly number[]
  readonly metavar?: string
}

export interface BooleanSpec extends BaseSpec {
  readonly type: 'boolean'
  readonly default: boolean
}

export interface ListSpec extends BaseSpec {
  readonly type: 'list'
  readonly default: readonly string[]
  readonly metavar?: string
}

export type OptionSpec = StringSpec | IntegerSpec | BooleanSpec | ListSpec

/** The spec an option of value type V must have (optional values are strings without default). */
export type SpecFor<V> = [V] extends [boolean]
  ? BooleanSpec
  : [V] extends [number]
    ? IntegerSpec
    : [V] extends [readonly string[]]
      ? ListSpec
      : StringSpec

/** A table keyed by the camelCase option names of T (the key is also the config-file key). */
export type OptionTable<T> = { readonly [K in keyof T]-?: SpecFor<T[K]> }

export type OptionValue = string | number | boolean | readonly string[]

/** `tlsCertFile` -> `tls-cert-file`. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
}

/** `tlsCertFile` -> `MULTINET_TLS_CERT_FILE`. */
export function envName(key: string): string {
  return `MULTINET_${flagName(key).replace(/-/g, '_').toUpperCase()}`
}
