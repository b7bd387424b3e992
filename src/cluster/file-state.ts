/**
 * The cluster state read from a folder of manifests: the offline twin of kube-state.ts, for
 * `multinet review --state DIR` (strict: any broken manifest is an error naming the file) and
 * for the dev mode (watching: edits apply within a second; a broken file keeps its last good
 * content, and sync().problems says which file and why until it is fixed).
 *
 * What the folder means is decided in manifests.ts (one file) and folder-merge.ts (all files).
 */
import { open } from 'node:fs/promises'
import type { Logger } from 'pino'
import type { AdmissionOptions } from '../admission/options.js'
import type { NadInfo, SyncStatus } from '../admission/state.js'
import { messageOf, MultinetError } from '../errors.js'
import { scanFolder } from './folder-scan.js'
import { nadKey } from '../spec/types.js'
import { mergeFolder, type FolderIndex } from './folder-merge.js'
import { parseManifests, type ManifestContent } from './manifests.js'
import { PolicySet } from './policy-set.js'
import type { StateSource } from './source.js'

export interface FileStateOptions {
  readonly watch: boolean
  readonly logger: Logger
  readonly options: AdmissionOptions
  readonly strict?: boolean
}

/** Well inside the promised second, and cheap: a stat per file. */
export const POLL_INTERVAL_MS = 250

/**
 * Largest manifest file read. A ConfigMap or NAD is at most 1 MiB (etcd's limit is 1.5 MiB);
 * a List file of many of them fits too. A bigger file is a per-file problem, not a read.
 */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024

/** The file's text, refused unread when it is larger than `max` bytes. */
async function readBounded(file: string, max: number): Promise<string> {
  const handle = await open(file, 'r')
  try {
    const { size } = await handle.stat()
    if (size > max) throw new Error(`${size} bytes; files over ${max} bytes are not read`)
    return await handle.readFile('utf8')
  } finally {
    await handle.close()
  }
}

interface FileEntry {
  sig: string
  /** The last content that parsed; undefined if the file never did. */
  content: ManifestContent | undefined
  problems: readonly string[]
}

const EMPTY_INDEX: FolderIndex = {
  nads: new Map(),
  namespaces: new Map(),
  policyConfigMaps: [],
  problems: [],
}

class FolderState {
  private readonly files = new Map<string, FileEntry>()
  /** Paths in scan order: the order later definitions win in, whatever order files appeared. */
  private order: string[] = []
  private index = EMPTY_INDEX
  /** Why the folder itself cannot be read (it was removed, say); undefined when it can. */
  folderError: string | undefined
  private readonly policies: PolicySet
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private closed = false

  constructor(
    private readonly dir: string,
    private readonly opts: FileStateOptions,
  ) {
    const { policyNamespace: namespace, policyLabel: label } = opts.options
    this.policies = new PolicySet({ namespace, label, logger: opts.logger })
  }

  problems(): string[] {
    const files = this.order.flatMap((f) => this.files.get(f)?.problems ?? [])
    const folder =
      this.folderError === undefined
        ? []
        : [`${this.dir}: cannot read the folder: ${this.folderError}`]
    return [...folder, ...files, ...this.index.problems, ...this.policies.problems()]
  }

  /** Re-reads what changed since the last call; the first call reads everything. */
  async reload(): Promise<void> {
    let seen: Map<string, string>
    try {
      seen = await scanFolder(this.dir)
      this.folderError = undefined
    } catch (err) {
      this.folderError = messageOf(err)
      this.opts.logger.warn({ dir: this.dir, err: messageOf(err) }, 'state folder unreadable')
      return
    }
    const changed: string[] = []
    for (const file of this.files.keys()) {
      if (!seen.has(file)) {
        this.files.delete(file)
        changed.push(file)
      }
    }
    for (const [file, sig] of seen) {
      if (this.files.get(file)?.sig === sig) continue
      changed.push(file)
      await this.readFile(file, sig)
    }
    if (changed.length === 0) return
    this.order = [...seen.keys()]
    this.index = mergeFolder(
      this.order.flatMap((file) => {
        const content = this.files.get(file)?.content
        return content ? [[file, content] as const] : []
      }),
    )
    this.policies.update(this.index.policyConfigMaps)
    const { nads, namespaces, policyConfigMaps } = this.index
    this.opts.logger.info(
      {
        changed,
        nads: nads.size,
        namespaces: namespaces.size,
        policyConfigMaps: policyConfigMaps.length,
        problems: this.problems().length,
      },
      'state folder read',
    )
  }

  private async readFile(file: string, sig: string): Promise<void> {
    const previous = this.files.get(file)?.content
    let text: string
    try {
      text = await readBounded(file, MAX_MANIFEST_BYTES)
    } catch (err) {
      const problems = [`${file}: cannot read: ${messageOf(err)}`]
      this.files.set(file, { sig, content: previous, problems })
      const kept = previous ? 'its previous content stays in use' : 'nothing of it is used'
      this.opts.logger.warn({ file, problems }, `unreadable manifest; ${kept}`)
      return
    }
    const parsed = parseManifests(file, text, this.opts.options)
    if (parsed.ok) {
      this.files.set(file, { sig, content: parsed.content, problems: [] })
      return
    }
    this.files.set(file, { sig, content: previous, problems: parsed.problems })
    const kept = previous ? 'its previous content stays in use' : 'nothing of it is used'
    this.opts.logger.warn({ file, problems: parsed.problems }, `broken manifest; ${kept}`)
  }

  watch(): void {
    const tick = (): void => {
      this.timer = setTimeout(() => {
        this.running = this.reload()
          .catch((err: unknown) => {
            // A reload never ends the process: the state stays as it was, and the next tick
            // tries again.
            this.opts.logger.error(
              { dir: this.dir, err: messageOf(err) },
              'state folder reload failed',
            )
          })
          .finally(() => {
            this.running = undefined
            if (!this.closed) tick()
          })
      }, POLL_INTERVAL_MS)
      this.timer.unref()
    }
    tick()
  }

  source(): StateSource {
    // Ready unless a policy ConfigMap fails closed (no valid copy): pods that select networks
    // are refused then, and the probe must say so, as it does in cluster mode.
    const sync = (): SyncStatus => ({
      synced: this.policies.unavailable().length === 0,
      problems: this.problems(),
    })
    return {
      getNad: (namespace, name) => this.index.nads.get(nadKey(namespace, name)),
      // The folder is the source: there is nothing more to look up than what was read.
      fetchNad: async (namespace, name): Promise<NadInfo | undefined> =>
        this.index.nads.get(nadKey(namespace, name)),
      namespaceLabels: (namespace) => this.index.namespaces.get(namespace),
      fetchNamespaceLabels: async (namespace) => this.index.namespaces.get(namespace),
      // Manifests in a folder are declarations, not running pods: nothing is attached here.
      podsUsingNad: async () => ({ ok: true, total: 0, examples: [] }),
      policy: () => this.policies.policy(),
      sync,
      waitForSync: async () => true,
      stats: () => ({
        nads: this.index.nads.size,
        namespaces: this.index.namespaces.size,
        policyConfigMaps: this.index.policyConfigMaps.length,
        policyErrors: this.policies.problems().length,
      }),
      close: async () => {
        this.closed = true
        clearTimeout(this.timer)
        await this.running
      },
    }
  }
}

export async function openFileState(dir: string, opts: FileStateOptions): Promise<StateSource> {
  const state = new FolderState(dir, opts)
  await state.reload()
  if (state.folderError !== undefined) {
    throw new MultinetError('MN_ERR_FILE_READ', `${dir}: ${state.folderError}`)
  }
  const problems = state.problems()
  if (opts.strict && problems.length > 0) {
    throw new MultinetError('MN_ERR_MANIFEST_INVALID', problems.join('; '), {
      details: { problems },
    })
  }
  if (opts.watch) state.watch()
  return state.source()
}
