import type { Writable } from 'node:stream'
import { pino, type Logger } from 'pino'

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'

export interface LogOptions {
  readonly level: LogLevel
  /** Which program writes (`webhook`, `certs`, `agent`): one field to filter a shared stream on. */
  readonly component: string
  /** Where lines go; stdout in production, a captured stream in tests. */
  readonly destination: Writable
}

/**
 * Paths that may carry secrets if a future log call passes a whole object: keys and Secret data
 * are never printed, and neither are credentials in request headers.
 */
const REDACT = [
  'key',
  'keyPem',
  'caKey',
  '*.key',
  '*.keyPem',
  '*.caKey',
  'data',
  '*.data',
  'req.headers.authorization',
  'req.headers.cookie',
]

/**
 * Longest log line written. Callers bound what they log (20 findings, cut names), and this is
 * the backstop: a line that still comes out longer (a 5 MB line took the log pipeline down
 * with it) is replaced by a short one that says so and keeps the line's start.
 */
export const MAX_LOG_LINE_BYTES = 16 * 1024

/** Characters of the original line kept in the replacement. */
const KEPT_CHARS = 2048

/** A valid JSON line in place of one over the limit: level, time and start of the original. */
export function capLine(line: string): string {
  if (line.length <= MAX_LOG_LINE_BYTES / 3 || Buffer.byteLength(line) <= MAX_LOG_LINE_BYTES) {
    return line
  }
  const field = (name: string): string | undefined =>
    new RegExp(`"${name}":"([^"\\\\]{0,64})"`).exec(line.slice(0, KEPT_CHARS))?.[1]
  return `${JSON.stringify({
    level: field('level') ?? 'warn',
    time: field('time') ?? new Date().toISOString(),
    component: field('component'),
    msg: 'log line cut',
    bytes: Buffer.byteLength(line),
    limit: MAX_LOG_LINE_BYTES,
    head: line.slice(0, KEPT_CHARS),
  })}\n`
}

/** One structured JSON line per event, ISO timestamps and textual levels for humans and Loki. */
export function createLogger(options: LogOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { component: options.component },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
      hooks: { streamWrite: capLine },
    },
    options.destination,
  )
}
