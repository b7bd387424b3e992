/**
 * API clients built from `sharedConnections(kc)` against a real HTTPS server on loopback: they
 * reuse one TLS connection (a client of the plain KubeConfig opens one per request, which is the
 * reason for the module), still apply the kubeconfig on every request (a token file that
 * changes is sent at once), and move to a new connection once the dispatcher is older than its
 * maximum age.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node'
import t, { type Test } from 'tap'
import { sharedConnections } from '../../src/cluster/api-connections.js'
import { serverPair, testCa } from '../fixtures/tls/pki.js'

interface Api {
  readonly kubeConfig: KubeConfig
  readonly handshakes: () => number
  readonly tokens: string[]
  readonly tokenFile: string
}

async function api(t: Test): Promise<Api> {
  const ca = testCa()
  const pair = serverPair(ca)
  const dir = mkdtempSync(join(tmpdir(), 'mnag-conn-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const tokenFile = join(dir, 'token')
  writeFileSync(tokenFile, 'one')
  const tokens: string[] = []
  let handshakes = 0
  const server: Server = createServer({ key: pair.keyPem, cert: pair.certPem }, (req, res) => {
    tokens.push(req.headers.authorization ?? '')
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'p', namespace: 'ns', uid: 'u' },
        }),
      )
    })
  })
  server.on('secureConnection', () => handshakes++)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    server.closeAllConnections()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })
  const kc = new KubeConfig()
  kc.loadFromOptions({
    clusters: [
      {
        name: 'c',
        server: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
        caData: Buffer.from(ca.certPem).toString('base64'),
      },
    ],
    users: [{ name: 'u', authProvider: { name: 'tokenFile', config: { tokenFile } } }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  })
  return { kubeConfig: kc, handshakes: () => handshakes, tokens, tokenFile }
}

const read = (core: CoreV1Api) => core.readNamespacedPod({ namespace: 'ns', name: 'p' })

t.test('a plain client: one TLS connection per request (the cost being removed)', async (t) => {
  const a = await api(t)
  const core = a.kubeConfig.makeApiClient(CoreV1Api)
  for (let i = 0; i < 3; i++) await read(core)
  t.equal(a.handshakes(), 3)
})

// undici does not reuse the very first TLS connection of an Agent (seen with Node's https
// server here and without client-node): counts are taken after two warm-up requests.
const warm = async (core: CoreV1Api) => {
  await read(core)
  await read(core)
}

t.test('shared: every client reuses one connection; authentication per request', async (t) => {
  const a = await api(t)
  const shared = sharedConnections(a.kubeConfig)
  t.teardown(() => shared.close())
  const core = shared.kubeConfig.makeApiClient(CoreV1Api)
  const other = shared.kubeConfig.makeApiClient(CoreV1Api)
  t.equal((await read(core)).metadata?.uid, 'u')
  await warm(core)
  const before = a.handshakes()
  for (let i = 0; i < 3; i++) {
    await read(core)
    await read(other)
  }
  t.equal(a.handshakes(), before, 'six more requests of two clients, no new connection')
  t.equal(shared.generations(), 1)
  t.ok(
    a.tokens.length === 9 && a.tokens.every((h) => h === 'Bearer one'),
    'the kubeconfig authenticated every request',
  )
  t.equal(shared.kubeConfig.getCurrentCluster()?.name, 'c', 'the same configuration')
  await shared.close()
  await read(core)
  t.equal(a.handshakes(), before + 1, 'after close, a new connection')
  t.equal(shared.generations(), 2)
})

t.test('a dispatcher older than the maximum age is replaced', async (t) => {
  const a = await api(t)
  let clock = 0
  const shared = sharedConnections(a.kubeConfig, 1000, () => clock)
  t.teardown(() => shared.close())
  const core = shared.kubeConfig.makeApiClient(CoreV1Api)
  await warm(core)
  const first = a.handshakes()
  clock = 999
  await read(core)
  t.equal(a.handshakes(), first, 'young enough: reused')
  t.equal(shared.generations(), 1)
  clock = 1000
  await warm(core)
  t.equal(shared.generations(), 2, 'replaced at the maximum age')
  t.ok(a.handshakes() > first, 'on a new connection')
  const second = a.handshakes()
  await read(core)
  t.equal(a.handshakes(), second, 'which is reused in turn')
})

t.test(
  'no TLS options (system CAs, a token): left to fetch, which keeps connections',
  async (t) => {
    const kc = new KubeConfig()
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    })
    const shared = sharedConnections(kc)
    await t.rejects(read(shared.kubeConfig.makeApiClient(CoreV1Api)), 'nothing listens on port 1')
    t.equal(shared.generations(), 0, 'no dispatcher of our own')
    await shared.close()
  },
)
