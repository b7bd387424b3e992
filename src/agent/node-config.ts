/**
 * The node's CNI config: `<conf-dir>/00-multinet.conflist` wraps the primary network (the
 * alphabetically first other config, or the one named by --primary-config) so the runtime calls
 * our shim, which the agent turns into the primary plus the pod's networks. It is rewritten
 * when the primary changes (fs.watch plus a periodic check, since watches miss events on some
 * file systems), atomically, and never deleted on a normal restart: a missing file lets pods
 * start on the primary alone, silently without their networks (Multus #1527). The shim binary
 * is installed the same way, atomically, into the first bin dir.
 */
import { randomBytes } from 'node:crypto'
import { watch, type FSWatcher } from 'node:fs'
import { copyFile, open, readdir, readFile, rename, rm } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join } from 'node:path'
import type { Logger } from 'pino'
import { messageOf } from '../errors.js'
import { isObject } from '../spec/object.js'
import type { PrimarySource } from './deps.js'

export interface NodeConfigOptions {
  readonly confDir: string
  /** --primary-config; undefined: auto. */
  readonly primaryConfig: string | undefined
  readonly nodeConfigName: string
  readonly socket: string
  readonly checkIntervalMs: number
  readonly logger: Logger
}

export interface Primary {
  readonly path: string
  readonly config: Record<string, unknown>
}

/** The primary's path: the option, or the first *.conf/*.conflist that is not ours. */
export async function findPrimary(
  confDir: string,
  primaryConfig: string | undefined,
  ownName: string,
): Promise<string | undefined> {
  if (primaryConfig !== undefined) {
    return isAbsolute(primaryConfig) ? primaryConfig : join(confDir, primaryConfig)
  }
  const names = await readdir(confDir).catch(() => [] as string[])
  const candidates = names
    .filter((n) => (n.endsWith('.conf') || n.endsWith('.conflist')) && n !== ownName)
    .filter((n) => !n.startsWith('.'))
    .sort()
  for (const name of candidates) {
    const path = join(confDir, name)
    // Another agent's file (an older name) wraps us too: never wrap ourselves.
    const config = await readConfig(path).catch(() => undefined)
    if (config !== undefined && !isOurs(config)) return path
  }
  return undefined
}

export async function readConfig(path: string): Promise<Record<string, unknown>> {
  const value: unknown = JSON.parse(await readFile(path, 'utf8'))
  if (!isObject(value)) throw new Error(`${path}: not a JSON object`)
  if (typeof value.type !== 'string' && !Array.isArray(value.plugins)) {
    throw new Error(`${path}: neither a plugin config ("type") nor a conflist ("plugins")`)
  }
  return value
}

function isOurs(config: Record<string, unknown>): boolean {
  const plugins = Array.isArray(config.plugins) ? config.plugins : [config]
  return plugins.some((p) => isObject(p) && p.type === 'multinet')
}

/** The capabilities set to true anywhere in the primary: the runtime then passes those values. */
export function capabilitiesOf(config: Record<string, unknown>): Record<string, boolean> {
  const out: Record<string, boolean> = {}
  const plugins = Array.isArray(config.plugins) ? config.plugins : [config]
  for (const p of plugins) {
    if (!isObject(p) || !isObject(p.capabilities)) continue
    for (const [k, v] of Object.entries(p.capabilities)) if (v === true) out[k] = true
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)))
}

export function nodeConfigFor(primary: Record<string, unknown>, socket: string): string {
  const capabilities = capabilitiesOf(primary)
  const plugin: Record<string, unknown> = { type: 'multinet', socket }
  if (Object.keys(capabilities).length > 0) plugin.capabilities = capabilities
  const cniVersion =
    typeof primary.cniVersion === 'string'
      ? primary.cniVersion
      : Array.isArray(primary.cniVersions) && typeof primary.cniVersions[0] === 'string'
        ? primary.cniVersions[0]
        : '1.0.0'
  const config = {
    cniVersion,
    name: typeof primary.name === 'string' ? primary.name : 'multinet',
    plugins: [plugin],
  }
  return `${JSON.stringify(config, null, 2)}\n`
}

/** tmp + fsync + rename in the same directory: readers see the old file or the new one. */
export async function writeAtomic(
  path: string,
  data: string | Buffer,
  mode: number,
): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${randomBytes(4).toString('hex')}`)
  const fh = await open(tmp, 'wx', mode)
  try {
    await fh.writeFile(data)
    await fh.sync()
  } finally {
    await fh.close()
  }
  try {
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
}

/** Copies the shim to `<binDir>/multinet` atomically (a running shim keeps its old inode). */
export async function installShim(source: string, binDir: string): Promise<string> {
  const target = join(binDir, 'multinet')
  const tmp = join(binDir, `.multinet.tmp-${randomBytes(4).toString('hex')}`)
  try {
    await copyFile(source, tmp)
    const fh = await open(tmp, 'r+')
    try {
      await fh.chmod(0o755)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, target)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
  return target
}

/** Keeps the node config in step with the primary; `primary()` serves ADD and DEL. */
export class NodeConfig implements PrimarySource {
  private primary: Primary | undefined
  private written = false
  private lastProblem: string | undefined
  private watcher: FSWatcher | undefined
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private again = false

  constructor(private readonly opts: NodeConfigOptions) {}

  get path(): string {
    return join(this.opts.confDir, this.opts.nodeConfigName)
  }

  current(): Readonly<Record<string, unknown>> | undefined {
    return this.primary?.config
  }

  describe(): string {
    return this.primary
      ? this.primary.path
      : (this.lastProblem ?? `no primary config in ${this.opts.confDir}`)
  }

  /** Undefined once the node config is written for the current primary. */
  problem(): string | undefined {
    return this.written ? undefined : this.describe()
  }

  async start(): Promise<void> {
    await this.sync()
    try {
      this.watcher = watch(this.opts.confDir, () => void this.sync())
      this.watcher.on('error', (err) =>
        this.opts.logger.warn({ err: messageOf(err) }, 'conf dir watch failed; polling only'),
      )
    } catch (err) {
      this.opts.logger.warn({ err: messageOf(err) }, 'cannot watch the conf dir; polling only')
    }
    this.timer = setInterval(() => void this.sync(), this.opts.checkIntervalMs)
    this.timer.unref()
  }

  stop(): void {
    this.watcher?.close()
    clearInterval(this.timer)
  }

  /** One check; concurrent calls coalesce into one more run after the current one. */
  sync(): Promise<void> {
    if (this.running) {
      this.again = true
      return this.running
    }
    this.running = this.check().finally(() => {
      this.running = undefined
      if (this.again) {
        this.again = false
        void this.sync()
      }
    })
    return this.running
  }

  private async check(): Promise<void> {
    const log = this.opts.logger
    const { confDir, primaryConfig, nodeConfigName, socket } = this.opts
    try {
      const path = await findPrimary(confDir, primaryConfig, nodeConfigName)
      if (path === undefined) {
        this.fail(`no primary network config (*.conf, *.conflist) in ${confDir} besides ours`)
        return
      }
      const config = await readConfig(path)
      const text = nodeConfigFor(config, socket)
      const existing = await readFile(this.path, 'utf8').catch(() => undefined)
      if (existing !== text) {
        await writeAtomic(this.path, text, 0o644)
        log.info({ path: this.path, primary: path }, 'node CNI config written')
      }
      if (this.primary?.path !== path) log.info({ primary: path }, 'primary network config')
      this.primary = { path, config }
      this.written = true
      this.lastProblem = undefined
    } catch (err) {
      this.fail(messageOf(err))
    }
  }

  private fail(problem: string): void {
    if (problem !== this.lastProblem) {
      this.opts.logger.error({ problem }, 'node CNI config not updated')
    }
    this.lastProblem = problem
    // The last good primary keeps serving; the written file stays (never deleted).
  }
}
