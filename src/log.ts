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
    },
    options.destination,
  )
}
