/**
 * Child processes of the harness: each logs to its own file and is stopped by its own pid
 * (SIGTERM, then SIGKILL after a bound). Each also gets a watchdog, so that a test process that
 * dies without a clean teardown (a tap timeout ends in SIGKILL) never leaves an apiserver
 * holding a port or a temp dir behind.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'

export interface Managed {
  readonly name: string
  readonly pid: number
  readonly logFile: string
  /** Resolves with the exit code (or signal name) once the process is gone. */
  readonly exited: Promise<string>
  isRunning(): boolean
  stop(graceMs?: number): Promise<void>
}

// The watchdog reads its stdin, a pipe that only we hold. A clean exit of the child sends
// "disarm"; anything else (EOF because we died, however we died) kills the child and removes
// the temp dir. Own process group: a terminal's Ctrl-C must not kill the watchdog first.
const WATCHDOG = `
trap '' INT HUP
read -r cmd
[ "$cmd" = disarm ] && exit 0
kill -KILL "$1" 2>/dev/null
[ -z "$2" ] && exit 0
i=0
while kill -0 "$1" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
rm -rf "$2"
`

function startWatchdog(pid: number, cleanupDir: string | undefined): ChildProcess {
  const dog = spawn(
    '/bin/sh',
    ['-c', WATCHDOG, 'multinet-e2e-watchdog', String(pid), cleanupDir ?? ''],
    {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    },
  )
  dog.on('error', () => {})
  dog.stdin?.on('error', () => {})
  // Neither the watchdog nor its pipe may keep the test process alive.
  dog.unref()
  ;(dog.stdin as unknown as { unref?: () => void } | null)?.unref?.()
  return dog
}

export function startProcess(
  name: string,
  bin: string,
  args: string[],
  logFile: string,
  opts: { cleanupDir?: string } = {},
): Managed {
  const fd = openSync(logFile, 'a')
  const child = spawn(bin, args, { stdio: ['ignore', fd, fd] })
  closeSync(fd)
  // Listeners first: a spawn failure (ENOENT, EACCES) arrives as an 'error' event.
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ?? String(code)))
    child.once('error', (err) => resolve(`error: ${err.message}`))
  })
  if (child.pid === undefined) throw new Error(`${name}: could not start ${bin}`)
  const pid = child.pid
  const dog = startWatchdog(pid, opts.cleanupDir)
  void exited.then(() => dog.stdin?.end('disarm\n'))
  // A control plane a test forgot to stop must not hang the run; the watchdog then cleans up.
  child.unref()
  const isRunning = (): boolean => child.exitCode === null && child.signalCode === null
  return {
    name,
    pid,
    logFile,
    exited,
    isRunning,
    async stop(graceMs = 10_000) {
      if (!isRunning()) return
      // The child is unref'd (see above): while we wait for its exit it must hold the event loop
      // open, or a SIGKILL after the grace would leave nothing pending and the test process would
      // end before the exit arrives ("test unfinished").
      child.ref()
      process.kill(pid, 'SIGTERM')
      const timer = setTimeout(() => {
        if (isRunning()) process.kill(pid, 'SIGKILL')
      }, graceMs)
      await exited
      clearTimeout(timer)
    },
  }
}

export function logTail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

/** Resident set size in KiB, from /proc (Linux only; undefined elsewhere or once exited). */
export function rssKiB(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : undefined
  } catch {
    return undefined
  }
}
