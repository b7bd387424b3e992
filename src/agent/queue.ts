/**
 * Bounded concurrency for CNI operations: at most `limit` run at once (each may fork delegate
 * processes, and an unbounded burst is how the Multus daemon got OOM-killed, #1346), a bounded
 * FIFO behind them, and one operation at a time per container (the runtime should serialise,
 * but a retried ADD racing a DEL must not interleave delegate calls).
 */
export class QueueFullError extends Error {
  constructor(readonly queued: number) {
    super(`${queued} operations are already waiting`)
    this.name = 'QueueFullError'
  }
}

export class OperationQueue {
  private running = 0
  private readonly waiting: (() => void)[] = []
  private readonly tails = new Map<string, Promise<unknown>>()

  constructor(
    private readonly limit: number,
    private readonly maxQueued: number,
  ) {}

  get active(): number {
    return this.running
  }

  get queued(): number {
    return this.waiting.length
  }

  /** Runs `fn` after earlier operations of `key` and once a slot is free. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    if (this.waiting.length >= this.maxQueued) {
      return Promise.reject(new QueueFullError(this.waiting.length))
    }
    const prior = this.tails.get(key) ?? Promise.resolve()
    const mine = prior
      .catch(() => undefined)
      .then(() => this.slot())
      .then(async (release) => {
        try {
          return await fn()
        } finally {
          release()
        }
      })
    const tail = mine.catch(() => undefined)
    this.tails.set(key, tail)
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key)
    })
    return mine
  }

  private slot(): Promise<() => void> {
    const release = (): void => {
      this.running--
      this.waiting.shift()?.()
    }
    if (this.running < this.limit) {
      this.running++
      return Promise.resolve(release)
    }
    return new Promise((resolve) =>
      this.waiting.push(() => {
        this.running++
        resolve(release)
      }),
    )
  }
}
