import t from 'tap'
import { captureStream } from './fixtures/webhook/logs.js'
import { createLogger } from '../src/log.js'

t.test('one JSON line per event: ISO time, textual level, component', async (t) => {
  const out = captureStream()
  const log = createLogger({ level: 'info', component: 'webhook', destination: out.stream })
  log.debug('hidden')
  log.info({ uid: 'u1' }, 'denied')
  const lines = out.text().trim().split('\n')
  t.equal(lines.length, 1)
  const line = JSON.parse(lines[0] as string) as Record<string, unknown>
  t.match(line, { level: 'info', component: 'webhook', uid: 'u1', msg: 'denied' })
  t.match(line.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
})

t.test('keys, Secret data and credentials never reach the log', async (t) => {
  const out = captureStream()
  const log = createLogger({ level: 'info', component: 'certs', destination: out.stream })
  log.info(
    {
      key: 'PRIVATE',
      bundle: { caKey: 'PRIVATE', keyPem: 'PRIVATE', cert: 'public' },
      secret: { data: { 'tls.key': 'PRIVATE' } },
      req: { headers: { authorization: 'Bearer PRIVATE', host: 'h' } },
    },
    'x',
  )
  t.notMatch(out.text(), /PRIVATE/)
  t.match(out.text(), /"cert":"public"/)
  t.match(out.text(), /"host":"h"/)
})

t.test('errors are serialized with type, message and stack', async (t) => {
  const out = captureStream()
  const log = createLogger({ level: 'info', component: 'x', destination: out.stream })
  log.error({ err: new TypeError('boom') }, 'failed')
  const line = JSON.parse(out.text()) as { err: { type: string; message: string; stack: string } }
  t.equal(line.err.type, 'TypeError')
  t.equal(line.err.message, 'boom')
  t.match(line.err.stack, /boom/)
})

// Issue 11 #6: no log line longer than 16 KiB, whatever a caller passes.
t.test('a line over 16 KiB is replaced by a short valid line that says so', async (t) => {
  const out = captureStream()
  const log = createLogger({ level: 'info', component: 'webhook', destination: out.stream })
  log.info({ reasons: Array.from({ length: 20_000 }, (_, i) => `problem ${i}`) }, 'denied')
  log.warn({ name: 'n'.repeat(5_000_000) }, 'big')
  log.info({ small: true }, 'fine')
  const lines = out.text().trim().split('\n')
  t.equal(lines.length, 3)
  for (const l of lines) t.ok(Buffer.byteLength(l) <= 16 * 1024, `${l.length} bytes`)
  const [cut, big, fine] = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
  t.match(cut, { level: 'info', component: 'webhook', msg: 'log line cut', limit: 16384 })
  t.ok((cut!.bytes as number) > 200_000)
  t.match(
    cut!.head,
    /^\{"level":"info","time":"[^"]+","component":"webhook","reasons":\["problem 0"/,
  )
  t.match(big, { level: 'warn', msg: 'log line cut' })
  t.match(fine, { small: true, msg: 'fine' })
})

t.test(
  'capLine: short lines pass; a long line without level or time still becomes valid JSON',
  async (t) => {
    const { capLine } = await import('../src/log.js')
    t.equal(capLine('{"a":1}\n'), '{"a":1}\n')
    const cut = JSON.parse(capLine(`${'x'.repeat(20_000)}\n`)) as Record<string, unknown>
    t.match(cut, { level: 'warn', msg: 'log line cut', bytes: 20_001 })
    t.match(cut.time, /^\d{4}-/)
  },
)
