import t from 'tap'
import { OperationQueue, QueueFullError } from '../../src/agent/queue.js'

function deferred() {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

t.test('at most `limit` run at once; the rest wait in order', async (t) => {
  const q = new OperationQueue(2, 10)
  const gates = [deferred(), deferred(), deferred()]
  const started: number[] = []
  const runs = gates.map((g, i) =>
    q.run(`c${i}`, async () => {
      started.push(i)
      await g.promise
      return i
    }),
  )
  await new Promise((r) => setImmediate(r))
  t.same(started, [0, 1])
  t.equal(q.active, 2)
  t.equal(q.queued, 1)
  gates[0]!.resolve()
  t.equal(await runs[0], 0)
  await new Promise((r) => setImmediate(r))
  t.same(started, [0, 1, 2])
  gates[1]!.resolve()
  gates[2]!.resolve()
  t.same(await Promise.all(runs), [0, 1, 2])
  t.equal(q.active, 0)
})

t.test('one operation at a time per key, even after a failure', async (t) => {
  const q = new OperationQueue(8, 10)
  const order: string[] = []
  const gate = deferred()
  const first = q.run('same', async () => {
    order.push('first start')
    await gate.promise
    order.push('first end')
    throw new Error('first failed')
  })
  const second = q.run('same', async () => {
    order.push('second')
    return 2
  })
  const other = q.run('other', async () => {
    order.push('other')
    return 3
  })
  t.equal(await other, 3)
  gate.resolve()
  await t.rejects(first, /first failed/)
  t.equal(await second, 2)
  t.same(order, ['first start', 'other', 'first end', 'second'])
})

t.test('a full queue refuses at once', async (t) => {
  const q = new OperationQueue(1, 1)
  const gate = deferred()
  const a = q.run('a', () => gate.promise)
  await new Promise((r) => setImmediate(r))
  const b = q.run('b', async () => 'b')
  await new Promise((r) => setImmediate(r))
  await t.rejects(
    q.run('c', async () => 'c'),
    QueueFullError,
  )
  gate.resolve()
  await a
  t.equal(await b, 'b')
})
