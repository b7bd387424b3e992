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
