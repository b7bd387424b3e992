/**
 * A one-line progress count on stderr while long lists are read, only when stderr is a
 * terminal: piped or redirected output gets nothing extra, so scripts and CI logs stay clean.
 */
import type { Writable } from 'node:stream'

export interface Progress {
  /** `count` objects of `what` read so far. */
  update(what: string, count: number): void
  /** Erases the line. */
  done(): void
}

const QUIET: Progress = { update: () => {}, done: () => {} }
const EVERY_MS = 100

export function progressOn(stderr: Writable, now: () => number = Date.now): Progress {
  if ((stderr as { isTTY?: boolean }).isTTY !== true) return QUIET
  let last = 0
  let shown = false
  return {
    update(what, count) {
      const t = now()
      if (t - last < EVERY_MS) return
      last = t
      shown = true
      stderr.write(`\r\x1b[Kreading ${what}: ${count}`)
    },
    done() {
      if (shown) stderr.write('\r\x1b[K')
      shown = false
    },
  }
}
