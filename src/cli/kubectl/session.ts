/**
 * What every plugin command shares: argument parsing, the connection, the list scope with its
 * progress line, and one error path (a message on stderr that says what to do, and the exit
 * status: 2 for bad input, 3 when the cluster could not be read).
 */
import type { AdmissionOptions } from '../../admission/options.js'
import { admissionOptionsOf, type KubectlSettings } from '../../config/kubectl-options.js'
import { isMultinetError, messageOf } from '../../errors.js'
import { EXIT, type CliIo } from '../io.js'
import { parseCommand, type CommandSpec } from './args.js'
import { connect, type Connection } from './connect.js'
import type { ListScope } from './live-state.js'
import { progressOn } from './progress.js'

export interface Session extends ListScope {
  readonly io: CliIo
  readonly settings: KubectlSettings
  readonly conn: Connection
  readonly options: AdmissionOptions
  readonly positionals: readonly string[]
  /** A note on stderr (`warning: ...`), as kubectl prints warnings. */
  warn(message: string): void
}

export type CommandBody = (s: Session) => Promise<number>

export async function runCommand(
  spec: CommandSpec,
  argv: readonly string[],
  io: CliIo,
  body: CommandBody,
): Promise<number> {
  try {
    const parsed = parseCommand(spec, argv, io.env)
    if (parsed.kind === 'help') {
      io.stdout.write(parsed.text)
      return EXIT.ok
    }
    const { settings } = parsed
    const conn = connect(settings, io.env)
    const session: Session = {
      io,
      settings,
      conn,
      api: conn.api,
      pageSize: settings.pageSize,
      progress: progressOn(io.stderr),
      options: admissionOptionsOf(settings),
      positionals: parsed.positionals,
      warn: (message) => io.stderr.write(`warning: ${message}\n`),
    }
    return await body(session)
  } catch (err) {
    io.stderr.write(`error: ${isMultinetError(err) ? err.message : messageOf(err)}\n`)
    if (!isMultinetError(err)) return EXIT.failure
    return err.code === 'MN_ERR_USAGE' || err.code === 'MN_ERR_CONFIG_INVALID'
      ? EXIT.usage
      : EXIT.failure
  }
}

/** Access flags every command's usage line shows. */
export const ACCESS_USAGE = '[-n NS | -A] [-l SELECTOR] [--context NAME] [--kubeconfig FILE]'
