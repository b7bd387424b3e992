import { CNI_ERROR_CODES } from '../protocol.js'

/**
 * Why a plugin call failed: `plugin` when the plugin itself answered with a CNI error; the
 * others are failures around it (no binary, killed on timeout, aborted, unreadable output,
 * no common CNI version, a runtime value the spec forbids, several DEL/GC failures joined).
 */
export type CniFailure =
  | 'plugin'
  | 'not-found'
  | 'timeout'
  | 'aborted'
  | 'exec'
  | 'output'
  | 'version'
  | 'invalid'
  | 'joined'

export interface CniPluginErrorInit {
  /** The plugin `type` (several joined with `,` for a joined error). */
  readonly pluginType: string
  readonly command: string
  /** CNI error code: the plugin's own, or the closest well-known one for our failures. */
  readonly code: number
  readonly msg: string
  readonly details?: string
  readonly failure: CniFailure
  /** The plugin's stderr (capped), when it wrote any. */
  readonly stderr?: string
  /** For `joined`: each failure, in the order they happened. */
  readonly errors?: readonly CniPluginError[]
}

/** Every failure of the CNI client. `message` reads `<type> <COMMAND>: <msg>[: <details>]`. */
export class CniPluginError extends Error {
  readonly pluginType: string
  readonly command: string
  readonly code: number
  readonly msg: string
  readonly details: string | undefined
  readonly failure: CniFailure
  readonly stderr: string | undefined
  readonly errors: readonly CniPluginError[]

  constructor(init: CniPluginErrorInit) {
    const tail = init.details ? `: ${init.details}` : ''
    super(
      init.failure === 'joined'
        ? `${init.command}: ${init.msg}`
        : `${init.pluginType} ${init.command}: ${init.msg}${tail}`,
    )
    this.name = 'CniPluginError'
    this.pluginType = init.pluginType
    this.command = init.command
    this.code = init.code
    this.msg = init.msg
    this.details = init.details
    this.failure = init.failure
    this.stderr = init.stderr
    this.errors = init.errors ?? []
  }

  /** The CNI error object (`{code, msg, details}`) to answer a runtime with. */
  toCniError(cniVersion: string): {
    cniVersion: string
    code: number
    msg: string
    details?: string
  } {
    return {
      cniVersion,
      code: this.code,
      msg: this.failure === 'joined' ? this.msg : `${this.pluginType}: ${this.msg}`,
      ...(this.details ? { details: this.details } : {}),
    }
  }
}

/** One error for several failures (DEL and GC go on past errors), or the only one. */
export function joinErrors(command: string, errors: readonly CniPluginError[]): CniPluginError {
  if (errors.length === 1) return errors[0]!
  return new CniPluginError({
    pluginType: errors.map((e) => e.pluginType).join(','),
    command,
    code: errors[0]!.code,
    msg: errors.map((e) => e.message).join('; '),
    failure: 'joined',
    errors,
  })
}

export const FAILURE_CODES: Readonly<Record<Exclude<CniFailure, 'plugin' | 'joined'>, number>> = {
  'not-found': CNI_ERROR_CODES.invalidConfig,
  timeout: CNI_ERROR_CODES.ioFailure,
  aborted: CNI_ERROR_CODES.ioFailure,
  exec: CNI_ERROR_CODES.ioFailure,
  output: CNI_ERROR_CODES.decodeFailure,
  version: CNI_ERROR_CODES.incompatibleVersion,
  invalid: CNI_ERROR_CODES.invalidEnv,
}
