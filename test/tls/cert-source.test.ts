import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { SecureContextOptions } from 'node:tls'
import t from 'tap'
import type { MultinetError } from '../../src/errors.js'
import { CertSource, type CertSourceOptions } from '../../src/tls/cert-source.js'
import type { CertInfo } from '../../src/tls/inspect.js'
import { captureLogs } from '../fixtures/webhook/logs.js'
import { serverPair, testCa, writePair } from '../fixtures/tls/pki.js'

const ca = testCa()

function harness(dir: string, over: Partial<CertSourceOptions> = {}) {
  const contexts: SecureContextOptions[] = []
  const loaded: CertInfo[] = []
  const failed: MultinetError[] = []
  const logs = captureLogs()
  const target = { setSecureContext: (o: SecureContextOptions) => void contexts.push(o) }
  const source = new CertSource(target, {
    certFile: join(dir, 'tls.crt'),
    keyFile: join(dir, 'tls.key'),
    minVersion: 'TLSv1.2',
    intervalMs: 60_000,
    logger: logs.logger,
    events: { loaded: (i) => void loaded.push(i), failed: (e) => void failed.push(e) },
    ...over,
  })
  return { source, contexts, loaded, failed, logs, target }
}

t.test('missing files: not loaded, retried, and loaded once they appear', async (t) => {
  const dir = t.testdir({})
  const h = harness(dir)
  t.equal(await h.source.check(), 'failed')
  t.match(h.source.status(), {
    loaded: false,
    consecutiveFailures: 1,
    lastError: /cannot read .*tls\.crt: ENOENT/,
  })
  t.equal(h.failed[0]?.code, 'MN_ERR_TLS_LOAD')
  t.match(h.logs.find('TLS certificate reload failed; will retry')[0], {
    serving: 'nothing',
    consecutiveFailures: 1,
  })
  const pair = serverPair(ca)
  await writePair(dir, pair)
  t.equal(await h.source.check(), 'loaded')
  t.equal(h.contexts.length, 1)
  t.equal(h.contexts[0]?.minVersion, 'TLSv1.2')
  t.equal(String(h.contexts[0]?.cert), pair.certPem)
  t.equal(h.contexts[0]?.ca, undefined)
  t.match(h.source.status(), {
    loaded: true,
    subject: 'CN=localhost',
    consecutiveFailures: 0,
    lastError: undefined,
  })
  t.equal(h.loaded.length, 1)
  t.match(h.logs.find('TLS certificate loaded')[0], { subject: 'CN=localhost', clientCa: false })
  t.equal(await h.source.check(), 'unchanged', 'same bytes: nothing to do')
  t.equal(h.contexts.length, 1)
})

t.test(
  'a torn rotation (new certificate, old key) keeps the old pair until the key arrives',
  async (t) => {
    const dir = t.testdir({})
    const h = harness(dir)
    const first = serverPair(ca, 'first')
    await writePair(dir, first)
    await h.source.check()
    const second = serverPair(ca, 'second')
    await writeFile(join(dir, 'tls.crt'), second.certPem)
    t.equal(await h.source.check(), 'failed')
    t.equal(await h.source.check(), 'failed', 'retried on every poll, not only on change')
    t.equal(h.contexts.length, 1, 'the served context was not touched')
    t.match(h.source.status(), {
      loaded: true,
      subject: 'CN=first',
      consecutiveFailures: 2,
      lastError: /private key does not match/,
    })
    t.match(h.logs.find('TLS certificate reload failed; will retry')[0], {
      serving: /^previous certificate /,
    })
    await writeFile(join(dir, 'tls.key'), second.keyPem)
    t.equal(await h.source.check(), 'loaded')
    t.match(h.source.status(), { subject: 'CN=second', consecutiveFailures: 0 })
    t.equal(h.failed.length, 2)
    t.equal(h.loaded.length, 2)
  },
)

t.test('a half-written certificate file is refused', async (t) => {
  const dir = t.testdir({})
  const h = harness(dir)
  const pair = serverPair(ca)
  await writePair(dir, pair)
  await writeFile(join(dir, 'tls.crt'), pair.certPem.slice(0, pair.certPem.length / 2))
  t.equal(await h.source.check(), 'failed')
  t.match(h.source.status().lastError, /not a PEM certificate/)
})

t.test('an error from setSecureContext is caught and counted', async (t) => {
  const dir = t.testdir({})
  const h = harness(dir)
  h.target.setSecureContext = () => {
    throw new Error('ERR_OSSL_SOMETHING')
  }
  await writePair(dir, serverPair(ca))
  t.equal(await h.source.check(), 'failed')
  t.match(h.failed[0], { code: 'MN_ERR_TLS_LOAD', message: /ERR_OSSL_SOMETHING/ })
})

t.test('the client CA for mTLS is loaded and checked with the pair', async (t) => {
  const dir = t.testdir({})
  const caFile = join(dir, 'client-ca.crt')
  const h = harness(dir, { clientCaFile: caFile })
  await writePair(dir, serverPair(ca))
  await writeFile(caFile, 'not a bundle')
  t.equal(await h.source.check(), 'failed')
  t.match(h.source.status().lastError, /client CA file .*client-ca\.crt holds no PEM certificate/)
  const clientCa = testCa('clients')
  await writeFile(caFile, clientCa.certPem)
  t.equal(await h.source.check(), 'loaded')
  t.equal(String(h.contexts[0]?.ca), clientCa.certPem)
  t.match(h.logs.find('TLS certificate loaded')[0], { clientCa: true })
  await rm(caFile)
  t.equal(
    await h.source.check(),
    'failed',
    'a vanished CA file is a failure, not mTLS switched off',
  )
})

t.test('concurrent checks share one poll', async (t) => {
  const dir = t.testdir({})
  const h = harness(dir)
  await writePair(dir, serverPair(ca))
  const [a, b] = await Promise.all([h.source.check(), h.source.check()])
  t.equal(a, 'loaded')
  t.equal(b, 'loaded')
  t.equal(h.contexts.length, 1)
})

t.test('start() loads and then polls on its own until stopped', async (t) => {
  const dir = t.testdir({})
  const h = harness(dir, { intervalMs: 10 })
  await writePair(dir, serverPair(ca, 'one'))
  t.equal(await h.source.start(), 'loaded')
  await writePair(dir, serverPair(ca, 'two'))
  while (h.source.status().subject !== 'CN=two') await new Promise((r) => setTimeout(r, 10))
  h.source.stop()
  const count = h.contexts.length
  await writePair(dir, serverPair(ca, 'three'))
  await new Promise((r) => setTimeout(r, 50))
  t.equal(h.contexts.length, count, 'no poll after stop()')
  t.equal(h.source.status().subject, 'CN=two')
})
