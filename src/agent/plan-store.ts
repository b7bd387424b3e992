/**
 * Plans on disk, one file per sandbox: `<state-dir>/plans/<container-id>.json`, mode 0600,
 * always replaced atomically (a temp file in the same directory, then rename), so a crash of the
 * agent leaves the old plan or the new one, never a torn file (Multus #948, #1087: a truncated
 * cache made DEL loop or leak IPs). A durable write (the default) also fsyncs the file before
 * the rename and the directory after it, so the plan survives a power cut too: the intent
 * record written before a delegate runs is durable; records that only add what a delegate
 * returned need not be (see Operations.add). A file that is corrupt anyway (disk trouble, a
 * hand edit) is reported as `PlanCorrupt` and moved aside, never thrown at the caller as a
 * crash.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { messageOf } from '../errors.js'
import { isObject } from '../spec/object.js'
import { CniError } from './cni-error.js'
import { PLAN_VERSION, type Plan } from './plan.js'
import { CNI_ERROR_CODES } from './protocol.js'

/** CNI_CONTAINERID rule (spec): alphanumeric first, then [A-Za-z0-9_.-]; also keeps paths safe. */
const CONTAINER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/

export type PlanRead =
  | { readonly kind: 'found'; readonly plan: Plan }
  | { readonly kind: 'missing' }
  | { readonly kind: 'corrupt'; readonly reason: string; readonly movedTo: string }

export class PlanStore {
  readonly dir: string
  /** The directory fsync in progress, and the one queued behind it (shared by its waiters). */
  private dirSync: Promise<void> | undefined
  private nextDirSync: Promise<void> | undefined
  /** Directory fsyncs started (tests). */
  dirSyncs = 0

  constructor(stateDir: string) {
    this.dir = join(stateDir, 'plans')
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 })
    // Temp files of writes that a crash interrupted.
    for (const name of await readdir(this.dir)) {
      if (name.includes('.tmp-')) await rm(join(this.dir, name), { force: true })
    }
  }

  pathOf(containerId: string): string {
    checkContainerId(containerId)
    return join(this.dir, `${containerId}.json`)
  }

  /**
   * Replaces the plan atomically. `durable: false` skips both fsyncs: the new plan survives a
   * crash of the agent (the kernel has it) but a power cut may bring back the previous one.
   */
  async write(plan: Plan, options: { readonly durable?: boolean } = {}): Promise<void> {
    const durable = options.durable ?? true
    const file = this.pathOf(plan.containerId)
    const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
    const fh = await open(tmp, 'wx', 0o600)
    try {
      await fh.writeFile(JSON.stringify(plan))
      // fdatasync: the file is new, so its size (the only metadata a read needs) is included.
      if (durable) await fh.datasync()
    } finally {
      await fh.close()
    }
    try {
      await rename(tmp, file)
    } catch (err) {
      await rm(tmp, { force: true })
      throw err
    }
    if (!durable) return
    await this.syncDir()
  }

  /**
   * Makes every rename done before the call durable. Concurrent writers share one fsync (a
   * group commit): a sync that is already running may have started before the caller's rename,
   * so the caller joins the next one, which starts when it ends and serves everyone who came
   * meanwhile. Under a burst of ADDs this halves the fsyncs in the thread pool.
   */
  private syncDir(): Promise<void> {
    if (this.nextDirSync !== undefined) return this.nextDirSync
    if (this.dirSync === undefined) return this.startDirSync()
    const next = this.dirSync
      .catch(() => undefined)
      .then(() => {
        this.nextDirSync = undefined
        return this.startDirSync()
      })
    this.nextDirSync = next
    return next
  }

  private startDirSync(): Promise<void> {
    this.dirSyncs++
    const run = (async () => {
      const dir = await open(this.dir, 'r')
      try {
        await dir.sync()
      } finally {
        await dir.close()
      }
    })()
    this.dirSync = run
    void run
      .catch(() => undefined)
      .then(() => {
        if (this.dirSync === run) this.dirSync = undefined
      })
    return run
  }

  async read(containerId: string): Promise<PlanRead> {
    const file = this.pathOf(containerId)
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' }
      throw err
    }
    const problem = planProblem(text, containerId)
    if (typeof problem !== 'string') return { kind: 'found', plan: problem }
    // Kept for the operator, out of the way of the next ADD and of GC.
    const movedTo = `${file}.corrupt-${Date.now()}`
    await rename(file, movedTo).catch(() => undefined)
    return { kind: 'corrupt', reason: problem, movedTo }
  }

  async remove(containerId: string): Promise<void> {
    await rm(this.pathOf(containerId), { force: true })
  }

  /** Container IDs with a plan file (for GC). */
  async list(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[])
    return names
      .filter((n) => n.endsWith('.json'))
      .map((n) => n.slice(0, -'.json'.length))
      .filter((id) => CONTAINER_ID.test(id))
      .sort()
  }
}

export function checkContainerId(id: string): void {
  if (!CONTAINER_ID.test(id)) {
    throw new CniError(
      CNI_ERROR_CODES.invalidEnv,
      `CNI_CONTAINERID ${JSON.stringify(id)} is not a container ID (alphanumeric first, then letters, digits, "_", "." or "-")`,
    )
  }
}

/** The plan, or why the text is not one. */
function planProblem(text: string, containerId: string): Plan | string {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    return `not JSON (${text.length} bytes; truncated?): ${messageOf(err)}`
  }
  if (!isObject(value)) return 'not a JSON object'
  if (value.version !== PLAN_VERSION) {
    return `plan version ${JSON.stringify(value.version)}, expected ${PLAN_VERSION}`
  }
  if (value.containerId !== containerId) {
    return `holds container ${JSON.stringify(value.containerId)}, not ${containerId}`
  }
  if (!Array.isArray(value.attachments) || value.attachments.length === 0) {
    return 'has no attachments'
  }
  for (const [i, a] of (value.attachments as unknown[]).entries()) {
    if (
      !isObject(a) ||
      typeof a.network !== 'string' ||
      typeof a.ifName !== 'string' ||
      !isObject(a.config) ||
      typeof a.state !== 'string'
    ) {
      return `attachment ${i} lacks network, ifName, config or state`
    }
  }
  if (!Array.isArray(value.args) || !isObject(value.pod) || typeof value.netns !== 'string') {
    return 'lacks args, pod or netns'
  }
  return value as unknown as Plan
}
