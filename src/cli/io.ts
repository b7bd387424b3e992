import type { Readable, Writable } from 'node:stream'

/**
 * What a command may touch of the process. Commands take this instead of reaching for
 * `process` so that tests run them in-process with captured streams and a chosen environment.
 */
export interface CliIo {
  readonly stdin: Readable
  readonly stdout: Writable
  readonly stderr: Writable
  readonly env: Readonly<Record<string, string | undefined>>
  readonly cwd: string
}

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, denied: 1, usage: 2, failure: 3 } as const
