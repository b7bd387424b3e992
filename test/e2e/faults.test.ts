/**
 * Faults under load, on a real kube-apiserver with real webhook processes (issue 11, "Prove
 * it"). Every loop is bounded in count and in time, and talks to loopback only.
 *
 * - the API server restarts while reviews are answered: decisions continue from the caches, and
 *   the caches resync afterwards;
 * - the serving certificate is rotated while clients connect: no request fails;
 * - SIGTERM of one webhook replica while the API server admits pods through a Service-like
 *   proxy that moves to the second replica (as endpoints do): every request is answered.
 *
 * - the policy corrupted while the webhook was stopped (item 1): after the restart every review
 *   is still refused by the deny rule, from its persisted copy (the fresh-start and not-ready
 *   cases are in hardening.test.ts).
 * Figures are printed as TAP comments (`# figures ...`) for docs/reliability.md.
 */
import t from 'tap'
import { AdmissionregistrationV1Api, CoreV1Api, type V1Pod } from '@kubernetes/client-node'
import { createServer, connect, type Server, type Socket } from 'node:net'
import { request as httpsRequest, Agent } from 'node:https'
import { connect as tlsConnect } from 'node:tls'
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { withControlPlane } from '../fixtures/e2e/control-plane.js'
import { createNad, createNamespace, nad, refusal, uniqueName } from '../fixtures/e2e/kube.js'
import {
  POLICY_NAMESPACE,
  registerWebhooks,
  startWebhook,
  type RunningWebhook,
} from '../fixtures/e2e/webhook.js'
import { WEBHOOK_USER } from './identities.js'
import { LOOPBACK, freePort, probe, waitFor } from './net.js'

const NETWORKS = 'k8s.v1.cni.cncf.io/networks'
/** Bound on each load loop: it ends at its count, or at this deadline (a hang, not a speed). */
const LOOP_DEADLINE_MS = 120_000

const cp = await withControlPlane(t)
const admin = cp.kubeConfig('admin')
const core = admin.makeApiClient(CoreV1Api)
await core.createNamespace({ body: { metadata: { name: POLICY_NAMESPACE } } })
const app = await createNamespace(admin, 'app')
const netns = await createNamespace(admin, 'net')
await createNad(admin, app, nad('own', { cniVersion: '1.0.0', type: 'bridge' }))
await createNad(admin, netns, nad('shared', { cniVersion: '1.0.0', type: 'bridge' }))

// Serving certificates come from the control plane's CA, so that a rotated one is trusted
// through the same caBundle.
const certDir = mkdtempSync(join(tmpdir(), 'multinet-faults-'))
t.teardown(() => rmSync(certDir, { recursive: true, force: true }))
const caPem = cp.pki.ca.certPem
const caBundle = Buffer.from(caPem).toString('base64')
function writePair(): void {
  const pair = cp.pki.issueServer([LOOPBACK, 'localhost'], 'multinet-webhook')
  // Each file is replaced whole; between the two renames the pair does not match, which the
  // webhook refuses while it keeps serving the previous pair.
  writeFileSync(join(certDir, 'tls.key.tmp'), pair.keyPem, { mode: 0o600 })
  writeFileSync(join(certDir, 'tls.crt.tmp'), pair.certPem)
  renameSync(join(certDir, 'tls.key.tmp'), join(certDir, 'tls.key'))
  renameSync(join(certDir, 'tls.crt.tmp'), join(certDir, 'tls.crt'))
}
writePair()

const webhook = (granted: boolean): Promise<RunningWebhook> =>
  startWebhook(t, cp, WEBHOOK_USER, {
    certs: { dir: certDir, caBundle },
    args: ['--cert-reload-interval-ms', '200', '--shutdown-timeout-ms', '15000'],
    granted,
  })

interface Figures {
  sent: number
  answered: number
  failed: number
  errors: string[]
}

/**
 * Runs `one` until `count` calls are done or the deadline passes, `concurrency` at a time.
 * `one` resolves true when the request was answered as expected, false when not, and throws
 * when no answer came at all.
 */
async function load(
  count: number,
  concurrency: number,
  one: (i: number) => Promise<boolean>,
  during?: () => Promise<void>,
): Promise<Figures> {
  const figures: Figures = { sent: 0, answered: 0, failed: 0, errors: [] }
  const deadline = Date.now() + LOOP_DEADLINE_MS
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < count && Date.now() < deadline) {
      const i = next++
      figures.sent++
      try {
        if (await one(i)) figures.answered++
        else {
          figures.failed++
          figures.errors.push(`request ${i}: unexpected answer`)
        }
      } catch (err) {
        figures.failed++
        figures.errors.push(`request ${i}: ${(err as Error).message}`)
      }
    }
  }
  const workers = Array.from({ length: concurrency }, worker)
  await Promise.all([...workers, during?.()])
  return figures
}

/** An AdmissionReview for a pod that selects `networks`, as the API server would send it. */
function reviewBody(i: number, networks: string): string {
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `fault-${i}`,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: app,
      operation: 'CREATE',
      userInfo: { username: 'load', groups: ['system:authenticated'] },
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `p${i}`, namespace: app, annotations: { [NETWORKS]: networks } },
        spec: { containers: [{ name: 'c', image: 'registry.example/app:1' }] },
      },
    },
  })
}

/** POST /validate over HTTPS, trusting only the test CA; resolves the `allowed` answer. */
function review(port: number, body: string, agent?: Agent): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: LOOPBACK,
        port,
        path: '/validate',
        method: 'POST',
        ca: caPem,
        servername: 'localhost',
        agent: agent ?? false,
        headers: { 'content-type': 'application/json' },
        timeout: 30_000,
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (text += c))
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}: ${text}`))
          try {
            resolve((JSON.parse(text) as { response: { allowed: boolean } }).response.allowed)
          } catch (err) {
            reject(err as Error)
          }
        })
        res.on('error', reject)
      },
    )
    req.on('timeout', () => req.destroy(new Error('no answer within 30 s')))
    req.on('error', reject)
    req.end(body)
  })
}

/** The serial number of the certificate the webhook serves right now. */
function servedSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: LOOPBACK, port, ca: caPem, servername: 'localhost' }, () => {
      const serial = socket.getPeerCertificate().serialNumber
      socket.end()
      resolve(serial)
    })
    socket.on('error', reject)
  })
}

/** What a Service does for the API server: forwards connections to the current endpoint. */
class Proxy {
  target: number
  private readonly server: Server
  private readonly sockets = new Set<Socket>()
  connections = 0
  constructor(target: number) {
    this.target = target
    this.server = createServer((client) => {
      this.connections++
      const upstream = connect(this.target, LOOPBACK)
      for (const s of [client, upstream]) {
        this.sockets.add(s)
        s.on('close', () => this.sockets.delete(s))
        s.on('error', () => {
          client.destroy()
          upstream.destroy()
        })
      }
      client.pipe(upstream)
      upstream.pipe(client)
    })
  }
  async listen(): Promise<number> {
    const port = await freePort()
    await new Promise<void>((resolve) => this.server.listen(port, LOOPBACK, resolve))
    return port
  }
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}

const first = await webhook(false)
const proxy = new Proxy(first.port)
const proxyPort = await proxy.listen()
t.teardown(() => proxy.close())
await registerWebhooks(cp, { ...first, port: proxyPort }, 'multinet-e2e-faults')

const allowed = (i: number) => `own@net${(i % 8) + 1}`
const refused = `${netns}/shared`
/** One expected decision per request: even ones are allowed, odd ones refused by isolation. */
const expectDirect = async (port: number, i: number): Promise<boolean> =>
  (await review(port, reviewBody(i, i % 2 === 0 ? allowed(i) : refused))) === (i % 2 === 0)

const report: string[] = []
const record = (what: string, f: Figures, faults: number): void => {
  const line = `${what}: sent ${f.sent}, answered ${f.answered}, failed ${f.failed}, faults ${faults}`
  report.push(line)
  t.comment(`figures ${line}`)
}

let apiserverDown = false
let done = 0
const progress = (): number => done
function podWith(name: string, networks: string): V1Pod {
  return {
    metadata: { name, annotations: { [NETWORKS]: networks } },
    spec: { containers: [{ name: 'c', image: 'registry.example/app:1' }] },
  }
}
const readyzUrl = (h: RunningWebhook): string => `http://${LOOPBACK}:${h.healthPort}/readyz`

t.test('the API server restarts while reviews are answered', async (t) => {
  await waitFor(
    'webhook active behind the proxy',
    async () => {
      const m = await refusal(
        core.createNamespacedPod({
          namespace: app,
          body: podWith(uniqueName('p'), refused),
          dryRun: 'All',
        }),
      )
      return m?.includes('isolation') ? true : undefined
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  )
  let outageAnswers = 0
  const figures = await load(
    600,
    4,
    async (i) => {
      const ok = await expectDirect(first.port, i)
      done++
      if (apiserverDown) outageAnswers++
      return ok
    },
    async () => {
      await waitFor('some load first', async () => (progress() > 50 ? true : undefined), {
        timeoutMs: LOOP_DEADLINE_MS,
        intervalMs: 20,
      })
      apiserverDown = true
      await cp.stopApiserver()
      await waitFor(
        'the webhook sees the watches down',
        async () =>
          (await probe(readyzUrl(first))).body.includes('watch down') ? true : undefined,
        { timeoutMs: 60_000 },
      )
      await waitFor(
        'answers during the outage',
        async () => (outageAnswers > 50 ? true : undefined),
        {
          timeoutMs: LOOP_DEADLINE_MS,
          intervalMs: 20,
        },
      )
      await cp.startApiserver()
      apiserverDown = false
    },
  )
  record('API server restart (direct reviews)', figures, 1)
  t.equal(figures.failed, 0, figures.errors.slice(0, 5).join('\n'))
  t.ok(
    outageAnswers > 50,
    `${outageAnswers} answered from the caches while the API server was down`,
  )
  // Resynced: the watches are live again, and a NAD created after the restart is known.
  await waitFor(
    'watches live again',
    async () => {
      const r = await probe(readyzUrl(first))
      return r.status === 200 && !r.body.includes('watch down') ? true : undefined
    },
    { timeoutMs: 60_000 },
  )
  await createNad(admin, app, nad('after-restart', { cniVersion: '1.0.0', type: 'bridge' }))
  t.equal(await review(first.port, reviewBody(99_999, 'after-restart')), true)
  t.equal(
    await refusal(
      core.createNamespacedPod({ namespace: app, body: podWith('after', 'own'), dryRun: 'All' }),
    ),
    undefined,
    'the API server admits through the webhook again',
  )
})

t.test('the serving certificate rotates while clients connect', async (t) => {
  const before = await servedSerial(first.port)
  let rotations = 0
  const figures = await load(
    400,
    4,
    async (i) => {
      const ok = await expectDirect(first.port, i) // a new TLS connection per request
      done++
      return ok
    },
    async () => {
      for (let r = 0; r < 3; r++) {
        const start = done
        await waitFor(
          'load between rotations',
          async () => (done - start > 40 ? true : undefined),
          {
            timeoutMs: LOOP_DEADLINE_MS,
            intervalMs: 20,
          },
        )
        const previous = await servedSerial(first.port)
        writePair()
        await waitFor(
          'new certificate served',
          async () => ((await servedSerial(first.port)) !== previous ? true : undefined),
          { timeoutMs: 30_000, intervalMs: 50 },
        )
        rotations++
      }
    },
  )
  record('certificate rotation (new TLS connection per review)', figures, rotations)
  t.equal(rotations, 3)
  t.not(await servedSerial(first.port), before)
  t.equal(figures.failed, 0, figures.errors.slice(0, 5).join('\n'))
})

t.test('SIGTERM of one replica while the API server admits pods: none lost', async (t) => {
  const second = await webhook(true)
  let sigterms = 0
  let moved = false
  const figures = await load(
    300,
    4,
    async (i) => {
      const networks = i % 2 === 0 ? 'own' : refused
      const m = await refusal(
        core.createNamespacedPod({
          namespace: app,
          body: podWith(uniqueName('s'), networks),
          dryRun: 'All',
        }),
      )
      done++
      if (i % 2 === 0 && m !== undefined) throw new Error(m) // lost: say how
      if (i % 2 === 0) return true
      if (m === undefined) return false
      if (!/refused by isolation/.test(m)) throw new Error(m)
      return true
    },
    async () => {
      const start = done
      await waitFor('load first', async () => (done - start > 60 ? true : undefined), {
        timeoutMs: LOOP_DEADLINE_MS,
        intervalMs: 20,
      })
      // The endpoint goes (new connections reach the second replica), then the pod is told to
      // stop: it answers what arrives on the connections it still has, then exits.
      proxy.target = second.port
      moved = true
      process.kill(first.pid!, 'SIGTERM')
      sigterms++
      t.equal(await first.exited, 0, 'the first replica drained and exited 0')
    },
  )
  record('SIGTERM of a replica (pod creates through the API server)', figures, sigterms)
  t.ok(moved)
  t.equal(figures.failed, 0, figures.errors.slice(0, 5).join('\n'))
  t.match(first.logs(), /shutdown complete/)
  t.comment(`proxy connections: ${proxy.connections}`)
  t.comment(`figures total: ${report.join('; ')}`)
})

t.test(
  'the policy corrupted while the webhook was stopped: every review still refuses',
  async (t) => {
    // Item 1 under load: the deny rule of a ConfigMap made invalid during the outage keeps
    // refusing after the restart (from its persisted copy). hardening.test.ts has the fresh-start
    // and not-ready cases.
    const policy = (body: string) => ({
      metadata: {
        name: '10-freeze',
        namespace: POLICY_NAMESPACE,
        labels: { 'multinet.io/policy': 'true' },
      },
      data: { 'policy.yaml': `apiVersion: multinet.io/v1alpha1\n${body}` },
    })
    await core.createNamespacedConfigMap({
      namespace: POLICY_NAMESPACE,
      body: policy(
        'rules:\n  - name: freeze-own\n    action: deny\n    networks: { names: ["*/own"] }\n    from: { namespaces: { names: ["*"] } }\n',
      ),
    })
    const running = await webhook(true)
    await waitFor(
      'deny in force and persisted',
      async () => {
        const refusedNow = !(await review(running.port, reviewBody(0, 'own')))
        const store = await core
          .readNamespacedConfigMap({
            name: 'multinet-policy-last-good',
            namespace: POLICY_NAMESPACE,
          })
          .catch(() => undefined)
        return refusedNow && store?.data?.[`${POLICY_NAMESPACE}.10-freeze`] ? true : undefined
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    )
    await running.stop()
    const registration = admin.makeApiClient(AdmissionregistrationV1Api)
    await registration.deleteValidatingWebhookConfiguration({ name: 'multinet-e2e-faults' })
    await registration.deleteMutatingWebhookConfiguration({ name: 'multinet-e2e-faults' })
    await core.replaceNamespacedConfigMap({
      name: '10-freeze',
      namespace: POLICY_NAMESPACE,
      body: policy('rules: 7\n'),
    })
    const restarted = await webhook(true)
    const figures = await load(
      200,
      4,
      async (i) => !(await review(restarted.port, reviewBody(i, 'own'))),
    )
    record('policy corrupted while stopped, restart (direct reviews of a denied pod)', figures, 1)
    t.equal(figures.failed, 0, figures.errors.slice(0, 5).join('\n'))
    t.equal(figures.answered, 200, 'every review refused, as the last valid policy says')
    t.match((await probe(readyzUrl(restarted))).body, /10-freeze: its last valid content/)
  },
)
