/**
 * A failure the runtime sees as a CNI error (`{cniVersion, code, msg, details}` printed by the
 * shim). The code says what kind of failure it is (the spec's 1–11, ours 100+ in protocol.ts);
 * the message names what failed and where, so an operator can act on `kubectl describe pod`.
 */
import { messageOf } from '../errors.js'
import { field } from '../spec/object.js'
import { CNI_ERROR_CODES, type CniErrorBody } from './protocol.js'

export class CniError extends Error {
  readonly code: number
  readonly details: string | undefined

  constructor(code: number, msg: string, details?: string, options: { cause?: unknown } = {}) {
    super(msg, { cause: options.cause })
    this.name = 'CniError'
    this.code = code
    this.details = details
  }

  body(cniVersion: string): CniErrorBody {
    const out: { cniVersion: string; code: number; msg: string; details?: string } = {
      cniVersion,
      code: this.code,
      msg: this.message,
    }
    if (this.details !== undefined && this.details !== '') out.details = this.details
    return out
  }
}

export function isCniError(err: unknown): err is CniError {
  return err instanceof CniError
}

/**
 * A delegate's failure as the runtime should see it: which network and plugin, and the
 * plugin's own message and code (plugins use 999 for most errors) in `details`.
 */
export function delegateError(network: string, what: string, err: unknown): CniError {
  const pluginCode = field(err, 'code')
  const plugin = field(err, 'pluginType')
  const by = typeof plugin === 'string' && plugin !== '' ? ` (plugin ${plugin})` : ''
  const code = typeof pluginCode === 'number' ? ` [plugin code ${pluginCode}]` : ''
  const details = field(err, 'details')
  return new CniError(
    CNI_ERROR_CODES.delegateFailed,
    `${what} network ${network}${by} failed: ${messageOf(err)}${code}`,
    typeof details === 'string' ? details : undefined,
    { cause: err },
  )
}
