/**
 * Serves the key pair from files and replaces it without a restart, the way cert-manager's
 * file source does: poll, compare bytes, and swap only a pair that loads. Polling (not fs.watch)
 * survives the `..data` symlink swap of Secret volumes; comparing bytes makes an unchanged
 * poll free; a torn or mismatched pair is refused, logged, counted and retried on the next
 * poll while the previous pair keeps serving. Nothing here ever ends the process.
 */
import { readFile } from 'node:fs/promises'
import type { SecureContextOptions } from 'node:tls'
import type { Logger } from 'pino'
import { MultinetError, messageOf } from '../errors.js'
import { checkPair, splitPemBundle, type CertInfo } from './inspect.js'

export interface SecureContextTarget {
  setSecureContext(options: SecureContextOptions): void
}

export interface CertSourceOptions {
  readonly certFile: string
  readonly keyFile: string
  /** Client CA bundle for mTLS; reloaded with the pair. */
  readonly clientCaFile?: string | undefined
  readonly minVersion: 'TLSv1.2' | 'TLSv1.3'
  readonly intervalMs: number
  readonly logger: Logger
  readonly events?: CertEvents
}

/** Hooks for metrics. */
export interface CertEvents {
  loaded(info: CertInfo): void
  failed(error: MultinetError): void
}

export interface CertStatus {
  readonly loaded: boolean
  readonly notAfter: Date | undefined
  readonly subject: string | undefined
  readonly consecutiveFailures: number
  readonly lastError: string | undefined
}

export type CheckResult = 'unchanged' | 'loaded' | 'failed'

export class CertSource {
  private cached: Buffer[] | undefined
  private info: CertInfo | undefined
  private failures = 0
  private lastError: string | undefined
  private timer: NodeJS.Timeout | undefined
  private running: Promise<CheckResult> | undefined
  private stopped = false

  constructor(
    private readonly target: SecureContextTarget,
    private readonly options: CertSourceOptions,
  ) {}

  /** Loads once now (a failure leaves the source unloaded and retrying), then keeps polling. */
  async start(): Promise<CheckResult> {
    const result = await this.check()
    this.schedule()
    return result
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
  }

  status(): CertStatus {
    return {
      loaded: this.info !== undefined,
      notAfter: this.info?.notAfter,
      subject: this.info?.subject,
      consecutiveFailures: this.failures,
      lastError: this.lastError,
    }
  }

  /** One poll; concurrent callers share the poll in progress. */
  check(): Promise<CheckResult> {
    this.running ??= this.poll().finally(() => {
      this.running = undefined
    })
    return this.running
  }

  private schedule(): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      void this.check().finally(() => this.schedule())
    }, this.options.intervalMs)
    // The timer must never be what keeps the process alive after shutdown.
    this.timer.unref()
  }

  private async poll(): Promise<CheckResult> {
    const { certFile, keyFile, clientCaFile } = this.options
    try {
      const files = [certFile, keyFile, ...(clientCaFile === undefined ? [] : [clientCaFile])]
      const bytes = await readAll(files)
      if (this.cached !== undefined && sameBytes(bytes, this.cached)) return 'unchanged'
      const [cert, key, ca] = bytes as [Buffer, Buffer, Buffer | undefined]
      const info = checkPair(cert, key)
      if (ca !== undefined) splitPemBundle(ca.toString('utf8'), `client CA file ${clientCaFile}`)
      try {
        this.target.setSecureContext({ cert, key, minVersion: this.options.minVersion, ca })
      } catch (err) {
        throw new MultinetError('MN_ERR_TLS_LOAD', messageOf(err), { cause: err })
      }
      this.cached = bytes
      this.info = info
      this.failures = 0
      this.lastError = undefined
      this.options.logger.info(
        {
          certFile,
          subject: info.subject,
          serial: info.serialNumber,
          notAfter: info.notAfter.toISOString(),
          clientCa: clientCaFile !== undefined,
        },
        'TLS certificate loaded',
      )
      this.options.events?.loaded(info)
      return 'loaded'
    } catch (err) {
      const error =
        err instanceof MultinetError
          ? err
          : new MultinetError('MN_ERR_TLS_LOAD', messageOf(err), { cause: err })
      this.failures++
      this.lastError = error.message
      this.options.logger.warn(
        {
          code: error.code,
          err: error.message,
          certFile,
          keyFile,
          consecutiveFailures: this.failures,
          serving:
            this.info === undefined ? 'nothing' : `previous certificate ${this.info.serialNumber}`,
        },
        'TLS certificate reload failed; will retry',
      )
      this.options.events?.failed(error)
      return 'failed'
    }
  }
}

// Read concurrently but report the first failure in file order, so the error a user sees (and a
// test asserts) does not depend on which read the kernel finished first.
async function readAll(paths: readonly string[]): Promise<Buffer[]> {
  const settled = await Promise.allSettled(paths.map(readPem))
  const failed = settled.find((r) => r.status === 'rejected')
  if (failed !== undefined) throw failed.reason
  return settled.map((r) => (r as PromiseFulfilledResult<Buffer>).value)
}

async function readPem(path: string): Promise<Buffer> {
  try {
    return await readFile(path)
  } catch (err) {
    throw new MultinetError('MN_ERR_TLS_LOAD', `cannot read ${path}: ${messageOf(err)}`, {
      cause: err,
    })
  }
}

function sameBytes(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  return a.length === b.length && a.every((buf, i) => buf.equals(b[i] as Buffer))
}
