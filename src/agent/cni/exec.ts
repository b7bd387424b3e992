import { spawn } from 'node:child_process'
import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { CniPluginError, FAILURE_CODES } from './plugin-error.js'

/** PATH for plugins when the agent has none (plugins run iptables, ip, ...). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

/** A result is a few KiB; more than this is a broken plugin, not a result. */
const STDOUT_CAP = 1024 * 1024
/** stderr is only kept for error details. */
const STDERR_CAP = 16 * 1024

export interface PluginExec {
  /** The plugin `type`, for messages. */
  readonly pluginType: string
  /** Absolute path of the binary. */
  readonly path: string
  readonly command: string
  /** The CNI_* variables besides CNI_COMMAND (the only environment a plugin gets, with PATH). */
  readonly cniEnv: Readonly<Record<string, string>>
  readonly stdin: unknown
  readonly timeoutMs: number
  readonly signal?: AbortSignal
  /** PATH given to the plugin. */
  readonly envPath: string
}

/** The first executable `<dir>/<type>` in `binDirs`, or a `not-found` CniPluginError. */
export async function findPlugin(
  pluginType: string,
  command: string,
  binDirs: readonly string[],
): Promise<string> {
  for (const dir of binDirs) {
    const path = join(dir, pluginType)
    try {
      await access(path, constants.X_OK)
      return path
    } catch {
      // not in this directory (or not executable): try the next one
    }
  }
  throw new CniPluginError({
    pluginType,
    command,
    code: FAILURE_CODES['not-found'],
    msg: `failed to find plugin "${pluginType}" in path [${binDirs.join(' ')}]`,
    failure: 'not-found',
  })
}

function isCniError(v: unknown): v is { code: number; msg: string; details?: unknown } {
  if (typeof v !== 'object' || v === null) return false
  const e = v as Record<string, unknown>
  return typeof e.code === 'number' && typeof e.msg === 'string'
}

/** Appends up to `cap` bytes; remembers whether anything was dropped. */
class Capped {
  private readonly chunks: Buffer[] = []
  private size = 0
  truncated = false
  constructor(private readonly cap: number) {}
  push(b: Buffer): void {
    const room = this.cap - this.size
    if (room <= 0) {
      this.truncated = true
      return
    }
    const part = b.length > room ? b.subarray(0, room) : b
    if (part.length < b.length) this.truncated = true
    this.chunks.push(part)
    this.size += part.length
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8')
  }
}

/**
 * Runs one plugin: the config on stdin, only PATH and CNI_* in the environment, in its own
 * process group so that a timeout or abort kills the delegated IPAM plugin too. Resolves the
 * parsed stdout (undefined when empty); rejects with a CniPluginError.
 */
export function execPlugin(x: PluginExec): Promise<unknown> {
  const failure = (
    kind: 'timeout' | 'aborted' | 'exec' | 'output',
    msg: string,
    extra: { details?: string; stderr?: string } = {},
  ) =>
    new CniPluginError({
      pluginType: x.pluginType,
      command: x.command,
      code: FAILURE_CODES[kind],
      msg,
      failure: kind,
      ...extra,
    })
  if (x.signal?.aborted) return Promise.reject(failure('aborted', 'aborted before start'))
  return new Promise((resolve, reject) => {
    const child = spawn(x.path, [], {
      env: { PATH: x.envPath, ...x.cniEnv, CNI_COMMAND: x.command },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    })
    const out = new Capped(STDOUT_CAP)
    const err = new Capped(STDERR_CAP)
    let stopped: 'timeout' | 'aborted' | undefined
    const kill = (why: 'timeout' | 'aborted') => {
      stopped ??= why
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        child.kill('SIGKILL')
      }
    }
    const timer = setTimeout(() => kill('timeout'), x.timeoutMs)
    const onAbort = () => kill('aborted')
    x.signal?.addEventListener('abort', onAbort, { once: true })
    const done = () => {
      clearTimeout(timer)
      x.signal?.removeEventListener('abort', onAbort)
    }
    child.stdout.on('data', (b: Buffer) => out.push(b))
    child.stderr.on('data', (b: Buffer) => err.push(b))
    // A plugin may exit without reading stdin: the close handler reports what it said.
    child.stdin.on('error', () => {})
    child.on('error', (e) => {
      done()
      reject(failure('exec', `cannot run ${x.path}: ${e.message}`))
    })
    child.on('close', (status, signal) => {
      done()
      const stderr = err.text() || undefined
      const stdout = out.text().trim()
      if (stopped === 'timeout') {
        reject(
          failure('timeout', `timed out after ${x.timeoutMs} ms and was killed`, {
            details: x.path,
            ...(stderr ? { stderr } : {}),
          }),
        )
        return
      }
      if (stopped === 'aborted') {
        reject(failure('aborted', 'aborted and was killed', { details: x.path }))
        return
      }
      let parsed: unknown
      let parseError: string | undefined
      if (stdout !== '') {
        try {
          parsed = JSON.parse(stdout)
        } catch (e) {
          parseError = (e as Error).message
        }
      }
      if (status === 0 && !out.truncated && parseError === undefined) {
        resolve(parsed)
        return
      }
      if (status !== 0 && isCniError(parsed)) {
        reject(
          new CniPluginError({
            pluginType: x.pluginType,
            command: x.command,
            code: parsed.code,
            msg: parsed.msg,
            failure: 'plugin',
            ...(typeof parsed.details === 'string' && parsed.details !== ''
              ? { details: parsed.details }
              : {}),
            ...(stderr ? { stderr } : {}),
          }),
        )
        return
      }
      const said = (stdout || stderr || '').slice(0, 2000)
      if (status === 0) {
        reject(
          failure(
            'output',
            out.truncated
              ? `wrote more than ${STDOUT_CAP} bytes on stdout`
              : `wrote invalid JSON on stdout: ${parseError}`,
            { details: said, ...(stderr ? { stderr } : {}) },
          ),
        )
        return
      }
      reject(
        failure('exec', signal ? `killed by ${signal}` : `exited with status ${status}`, {
          ...(said ? { details: said } : {}),
          ...(stderr ? { stderr } : {}),
        }),
      )
    })
    child.stdin.end(JSON.stringify(x.stdin))
  })
}
