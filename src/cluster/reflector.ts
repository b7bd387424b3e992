/**
 * One list + watch loop feeding one in-memory map: an informer that keeps only what decisions
 * need. It is written on client-node's `Watch` rather than `makeInformer` because the stock
 * ListWatch (1.4) keeps every whole object (managedFields, last-applied JSON) besides ours,
 * resolves `start()` even when the list fails, and restarts only on 410 Gone: readiness,
 * reconnect backoff and staleness would all have to be bolted on from the outside anyway.
 *
 * Life cycle: list (paged) -> replace the map -> watch from the list's resourceVersion -> apply
 * events. A watch that ends normally (server-side timeout) is resumed at once; 410 Gone drops
 * the resourceVersion and relists; any other failure retries with jittered backoff, while the
 * map keeps serving the last known content and the source reports itself stale.
 */
import type { Logger } from 'pino'
import { field, stringField } from '../spec/object.js'
import { messageOf } from '../errors.js'
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js'
import { describeError, httpStatusOf, type ReflectorSpec, type Watcher } from './list-watch.js'
import type { SourceCounters } from './source.js'

export interface ReflectorOptions {
  readonly watcher: Watcher
  readonly logger: Logger
  /** Called after every change of the map (a list, or an add/update/delete event). */
  readonly onChange?: () => void
  readonly backoff?: BackoffOptions
  readonly pageSize?: number
  /** Server-side watch timeout is drawn from [min, max] seconds, as client-go does. */
  readonly watchTimeoutSeconds?: readonly [number, number]
  /** A watch that closes cleanly sooner than this without any event counts as a failure. */
  readonly minWatchLifeMs?: number
  /** How long past its timeoutSeconds a silent watch is given before it is declared dead. */
  readonly watchdogGraceMs?: number
  readonly now?: () => number
  readonly random?: () => number
}

interface WatchSession {
  readonly started: number
  events: number
  done: boolean
  handle?: { abort(): void }
  watchdog?: NodeJS.Timeout
  error?: string
  /** The server said 410 Gone: the resourceVersion is too old to resume from. */
  gone?: boolean
}

export class Reflector<T> {
  private items = new Map<string, T>()
  private resourceVersion = ''
  private synced = false
  private stopped = false
  private started = false
  private attempt = 0
  private lists = 0
  private watches = 0
  private failures = 0
  private downSince: number | undefined
  private lastError: string | undefined
  private timer: NodeJS.Timeout | undefined
  private listAbort: AbortController | undefined
  private session: WatchSession | undefined
  private readonly now: () => number
  private readonly log: Logger

  constructor(
    private readonly spec: ReflectorSpec<T>,
    private readonly opts: ReflectorOptions,
  ) {
    this.now = opts.now ?? Date.now
    this.log = opts.logger.child({ source: spec.name })
    this.downSince = this.now()
  }

  get name(): string {
    return this.spec.name
  }

  get size(): number {
    return this.items.size
  }

  get(key: string): T | undefined {
    return this.items.get(key)
  }

  values(): IterableIterator<T> {
    return this.items.values()
  }

  isSynced(): boolean {
    return this.synced
  }

  start(): void {
    if (this.started || this.stopped) return
    this.started = true
    void this.cycle()
  }

  /** Why this source cannot be trusted right now, or undefined when it is live. */
  problem(): string | undefined {
    const why = this.lastError === undefined ? '' : ` (${this.lastError})`
    if (!this.synced) return `${this.spec.name}: initial list not complete${why}`
    if (this.downSince === undefined) return undefined
    const secs = ((this.now() - this.downSince) / 1000).toFixed(1)
    return `${this.spec.name}: watch down for ${secs}s${why}; serving the cached copy`
  }

  counters(): SourceCounters {
    const down = this.downSince === undefined ? 0 : (this.now() - this.downSince) / 1000
    return {
      reconnects: Math.max(0, this.watches - 1),
      relists: Math.max(0, this.lists - 1),
      failures: this.failures,
      staleSeconds: Math.max(0, down),
    }
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
    this.listAbort?.abort()
    const session = this.session
    if (session) {
      session.done = true
      clearTimeout(session.watchdog)
      session.handle?.abort()
    }
  }

  private async cycle(): Promise<void> {
    this.timer = undefined
    if (this.stopped) return
    if (this.resourceVersion === '') {
      try {
        await this.relist()
      } catch (err) {
        this.listAbort = undefined
        if (!this.stopped) this.fail(err, 'list')
        return
      }
      if (this.stopped) return
    }
    this.startWatch()
  }

  private async relist(): Promise<void> {
    const abort = new AbortController()
    this.listAbort = abort
    const next = new Map<string, T>()
    let continueToken: string | undefined
    let resourceVersion: string
    do {
      const page = await this.spec.list(
        { limit: this.opts.pageSize ?? 500, continueToken },
        abort.signal,
      )
      if (this.stopped) return
      for (const obj of page.items) this.put(next, obj)
      resourceVersion = page.resourceVersion
      continueToken = page.continueToken || undefined
    } while (continueToken !== undefined)
    this.listAbort = undefined
    this.lists++
    this.items = next
    this.resourceVersion = resourceVersion
    this.synced = true
    this.downSince = undefined
    this.lastError = undefined
    const msg = this.lists === 1 ? 'initial list complete' : 'relisted'
    this.log.info({ items: next.size, resourceVersion, relists: this.lists - 1 }, msg)
    this.opts.onChange?.()
  }

  private startWatch(): void {
    const [min, max] = this.opts.watchTimeoutSeconds ?? [300, 600]
    const random = this.opts.random ?? Math.random
    const timeoutSeconds = Math.round(min + (max - min) * random())
    const session: WatchSession = { started: this.now(), events: 0, done: false }
    this.session = session
    if (this.watches++ > 0) {
      this.log.info(
        { reconnects: this.watches - 1, resourceVersion: this.resourceVersion },
        'watch reconnecting',
      )
    }
    const done = (err: unknown): void => {
      if (session.done) return
      session.done = true
      clearTimeout(session.watchdog)
      this.watchEnded(session, err)
    }
    const query = {
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds,
      labelSelector: this.spec.labelSelector,
    }
    const onEvent = (type: string, obj: unknown): void => {
      if (!session.done) this.onEvent(session, type, obj)
    }
    this.opts.watcher.watch(this.spec.path, query, onEvent, done).then((handle) => {
      if (session.done) return handle.abort()
      session.handle = handle
      this.attempt = 0
      this.downSince = undefined
      this.lastError = undefined
      // The server ends the watch at timeoutSeconds; silence well past that means the
      // connection died without a FIN (a frozen apiserver, a dropped route).
      const limitMs = timeoutSeconds * 1000 + (this.opts.watchdogGraceMs ?? 30_000)
      session.watchdog = setTimeout(() => {
        done(new Error(`watch silent for ${Math.round(limitMs / 1000)}s`)) // before abort's own
        handle.abort()
      }, limitMs)
      session.watchdog.unref()
    }, done)
  }

  private onEvent(session: WatchSession, type: string, obj: unknown): void {
    switch (type) {
      case 'ADDED':
      case 'MODIFIED':
        this.put(this.items, obj)
        break
      case 'DELETED': {
        const key = this.spec.keyOf(obj)
        if (key !== undefined) this.items.delete(key)
        break
      }
      case 'BOOKMARK':
        break
      case 'ERROR':
        // A Status object; the server closes the stream right after it.
        if (field(obj, 'code') === 410) session.gone = true
        else {
          session.error = stringField(obj, 'message') ?? 'watch ERROR event'
          this.log.warn({ status: obj }, 'watch error event')
        }
        return
      default:
        return
    }
    session.events++
    const rv = stringField(field(obj, 'metadata'), 'resourceVersion')
    if (rv) this.resourceVersion = rv
    if (type !== 'BOOKMARK') this.opts.onChange?.()
  }

  private watchEnded(session: WatchSession, err: unknown): void {
    if (this.session === session) this.session = undefined
    if (this.stopped) return
    // Compaction, not a failure: relist at once.
    if (session.gone || httpStatusOf(err) === 410) {
      this.resourceVersion = ''
      this.log.info('watch resourceVersion expired (410 Gone); relisting')
      return this.schedule(0)
    }
    const lived = this.now() - session.started
    const healthy = session.events > 0 || lived >= (this.opts.minWatchLifeMs ?? 1000)
    if ((err === null || err === undefined) && session.error === undefined && healthy) {
      return this.schedule(0)
    }
    this.fail(err ?? new Error(session.error ?? 'watch closed at once'), 'watch')
  }

  private fail(err: unknown, phase: 'list' | 'watch'): void {
    this.failures++
    this.lastError = describeError(err)
    this.downSince ??= this.now()
    const delay = backoffDelay(
      this.attempt++,
      this.opts.backoff ?? DEFAULT_BACKOFF,
      this.opts.random,
    )
    this.log.warn(
      { phase, err: this.lastError, retryInMs: delay, failures: this.failures },
      `${phase} failed`,
    )
    this.schedule(delay)
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => void this.cycle(), delayMs)
    this.timer.unref()
  }

  private put(map: Map<string, T>, obj: unknown): void {
    const key = this.spec.keyOf(obj)
    if (key === undefined) return
    try {
      map.set(key, this.spec.convert(obj, key))
    } catch (err) {
      // A converter bug must not stop the watch (client-node swallows callback throws).
      this.log.error({ key, err: messageOf(err) }, 'cannot convert object; skipped')
    }
  }
}
