/**
 * Keeps the policy store (policy-store.ts) and the policy set (policy-set.ts) in step: reads the
 * persisted copies once at start (retrying until the API answers), hands them to the set, and
 * writes each ConfigMap's last valid content whenever it changes, pruning copies of ConfigMaps
 * that are gone. Failures are retried with backoff and shown in readiness detail; they never
 * block admission by themselves (without a copy, an invalid ConfigMap fails closed anyway).
 */
import type { Logger } from 'pino'
import { messageOf } from '../errors.js'
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js'
import type { PolicyCopy, PolicySet } from './policy-set.js'
import { encodeCopy, type PolicyStore } from './policy-store.js'

export interface PolicyKeeperOptions {
  readonly logger: Logger
  /** Bound on each read or write (default 5000 ms). */
  readonly timeoutMs?: number
  readonly backoff?: BackoffOptions
  /** Called when persisted copies changed the policy in force. */
  readonly onPolicyChange?: () => void
}

export class PolicyKeeper {
  /** What the store holds, encoded, per `namespace/name`; undefined until read. */
  private stored: Map<string, string> | undefined
  private problemText: string | undefined
  private attempt = 0
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private again = false
  private readonly stop = new AbortController()
  private writes = 0

  constructor(
    private readonly set: PolicySet,
    private readonly store: PolicyStore,
    private readonly opts: PolicyKeeperOptions,
  ) {}

  start(): void {
    this.kick()
  }

  /** Call after every update of the set: writes what changed once the store has been read. */
  changed(): void {
    this.kick()
  }

  /** Why the store cannot be read or written right now; undefined when all is well. */
  problem(): string | undefined {
    return this.problemText
  }

  /** Whether the persisted copies have been read (tests, readiness detail). */
  loaded(): boolean {
    return this.stored !== undefined
  }

  /** Successful writes so far (tests, metrics). */
  get saves(): number {
    return this.writes
  }

  async close(): Promise<void> {
    this.stop.abort()
    clearTimeout(this.timer)
    await this.running
  }

  private kick(): void {
    if (this.stop.signal.aborted) return
    if (this.running) {
      this.again = true
      return
    }
    if (this.timer) return // a retry is scheduled; it will see the newest state
    this.running = this.step()
      .then(
        (): number | false => {
          this.attempt = 0
          this.problemText = undefined
          return false
        },
        (err: unknown): number | false => {
          this.problemText = messageOf(err)
          const delay = backoffDelay(this.attempt++, this.opts.backoff ?? DEFAULT_BACKOFF)
          this.opts.logger.warn(
            { err: this.problemText, retryInMs: delay },
            'policy store: will retry',
          )
          return delay
        },
      )
      .then((retryInMs) => {
        this.running = undefined
        if (this.stop.signal.aborted) return
        if (retryInMs !== false) {
          this.timer = setTimeout(() => {
            this.timer = undefined
            this.kick()
          }, retryInMs)
          this.timer.unref()
        } else if (this.again) {
          this.again = false
          this.kick()
        }
      })
  }

  private signal(): AbortSignal {
    return AbortSignal.any([this.stop.signal, AbortSignal.timeout(this.opts.timeoutMs ?? 5000)])
  }

  private async step(): Promise<void> {
    this.again = false
    if (this.stored === undefined) {
      const { copies, unreadable } = await this.store.load(this.signal())
      if (unreadable.length > 0) {
        this.opts.logger.warn(
          { store: this.store.where, keys: unreadable },
          'policy store: entries that are not copies are ignored',
        )
      }
      this.stored = new Map([...copies].map(([k, c]) => [k, encodeCopy(c)]))
      this.opts.logger.info(
        { store: this.store.where, copies: copies.size },
        'policy store: persisted copies read',
      )
      if (this.set.remember(copies.values(), `persisted in ConfigMap ${this.store.where}`)) {
        this.opts.onPolicyChange?.()
      }
    }
    // Until the ConfigMaps have been listed, "not present" would prune copies still needed.
    if (!this.set.loaded()) return
    const changes = new Map<string, PolicyCopy | null>()
    const desired = this.set.copies()
    for (const [key, copy] of desired) {
      if (this.stored.get(key) !== encodeCopy(copy)) changes.set(key, copy)
    }
    for (const key of this.stored.keys()) if (!desired.has(key)) changes.set(key, null)
    if (changes.size === 0) return
    await this.store.save(changes, desired, this.signal())
    this.writes++
    for (const [key, copy] of changes) {
      if (copy === null) this.stored.delete(key)
      else this.stored.set(key, encodeCopy(copy))
    }
    this.opts.logger.info(
      {
        store: this.store.where,
        written: [...changes].filter(([, c]) => c !== null).map(([k]) => k),
        removed: [...changes].filter(([, c]) => c === null).map(([k]) => k),
      },
      'policy store: last valid copies written',
    )
  }
}
