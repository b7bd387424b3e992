/**
 * The socket server as the shim sees it: permissions, readiness, request validation, every
 * command's routing. The agent runs for real (fake API, real conf dir); no delegate runs here
 * except STATUS and GC of the bridge primary.
 */
import { statSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { dirname, join } from 'node:path'
import t from 'tap'
import { MAX_BODY_BYTES } from '../../src/agent/server.js'
import { agentRequest } from '../../src/agent/shim/http.js'
import { agentEnv, primaryConfig } from './fixtures/agent-env.js'
import { callSocket, cni } from './fixtures/cni-call.js'

t.setTimeout(120_000)

t.test(
  'socket 0600 in a 0700 dir; readyz waits for the primary; ADD refused until ready, also before its body',
  async (t) => {
    const e = await agentEnv(t, {}, { writePrimary: false })
    t.equal(statSync(e.settings.socket).mode & 0o777, 0o600)
    t.equal(statSync(dirname(e.settings.socket)).mode & 0o777, 0o700)
    const before = await callSocket(e.settings.socket, 'GET', '/readyz')
    t.equal(before.status, 503)
    t.match(before.body, { ready: false, reason: /no primary network config/ })
    const add = await cni(
      e.settings.socket,
      { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_NETNS: '/x', CNI_IFNAME: 'eth0' },
      { cniVersion: '0.4.0' },
    )
    t.equal(add.status, 503)
    t.match(add.body, {
      cniVersion: '0.4.0',
      code: 11,
      msg: /agent not ready: .*no primary network config/,
    })
    // The shim's way: expect: 100-continue, refused before the body is sent (for CHECK too).
    const checkBody = JSON.stringify({
      env: { CNI_COMMAND: 'CHECK', CNI_CONTAINERID: 'c1', CNI_NETNS: '/x', CNI_IFNAME: 'eth0' },
      config: { cniVersion: '1.0.0' },
    })
    const viaShim = () =>
      agentRequest({
        socketPath: e.settings.socket,
        method: 'POST',
        path: '/cni',
        body: checkBody,
        signal: new AbortController().signal,
        continueTimeoutMs: 30_000,
      })
    const refused = await viaShim()
    t.equal(refused.refused, true, 'answered before the body')
    t.equal(refused.status, 503)
    t.match(JSON.parse(refused.body), { code: 11, msg: /^agent not ready: .*no primary network/ })
    const status = await cni(e.settings.socket, { CNI_COMMAND: 'STATUS' }, { cniVersion: '1.1.0' })
    t.equal(status.status, 500)
    t.match(status.body, {
      code: 50,
      msg: /the plugin is not available: no primary network config/,
    })
    const health = await fetch(`http://127.0.0.1:${e.agent.healthPort}/readyz`)
    t.equal(health.status, 503)

    writeFileSync(
      join(e.settings.cniConfDir, '10-primary.conflist'),
      JSON.stringify(primaryConfig(e.bridge, e.octet, e.ipamDir)),
    )
    await e.agent.nodeConfig.sync()
    await e.waitReady()
    t.equal((await callSocket(e.settings.socket, 'GET', '/readyz')).status, 200)
    const continued = await viaShim()
    t.equal(continued.refused, false, 'ready: continued, the CHECK ran')
    t.match(JSON.parse(continued.body), { code: 3, msg: /no attachment plan for container c1/ })
    t.equal((await fetch(`http://127.0.0.1:${e.agent.healthPort}/readyz`)).status, 200)
    const metrics = await (await fetch(`http://127.0.0.1:${e.agent.healthPort}/metrics`)).text()
    t.match(metrics, /multinet_agent_cni_operations_total\{command="ADD",outcome="error"\} 1/)
    t.match(metrics, /multinet_agent_pod_cache_synced 1/)
    t.match(metrics, /multinet_agent_queue_length 0/)
    t.equal((await fetch(`http://127.0.0.1:${e.agent.healthPort}/livez`)).status, 200)

    const st = await cni(e.settings.socket, { CNI_COMMAND: 'STATUS' }, { cniVersion: '1.1.0' })
    t.equal(st.status, 200, 'STATUS of a 1.0.0 primary succeeds without exec')
    t.same(st.body, { result: null })
  },
)

t.test('malformed requests get CNI errors, never a crash', async (t) => {
  const e = await agentEnv(t)
  const s = e.settings.socket
  const raw = (body: string) =>
    new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const req = request({ socketPath: s, method: 'POST', path: '/cni' }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString()),
          }),
        )
      })
      req.on('error', reject)
      req.end(body)
    })
  t.match(await raw('{'), { status: 400, body: { code: 6, msg: /request is not JSON/ } })
  t.match(await raw('[]'), { status: 400, body: { code: 6, msg: /must be \{"env"/ } })
  t.match(await raw(JSON.stringify({ env: { CNI_COMMAND: 'NOPE' }, config: {} })), {
    status: 400,
    body: { code: 4, msg: /CNI_COMMAND "NOPE" is not one of ADD, DEL/ },
  })
  t.match(await raw(JSON.stringify({ env: { CNI_COMMAND: 'ADD', CNI_NETNS: 5 }, config: {} })), {
    status: 400,
    body: { code: 4, msg: 'env CNI_NETNS must be a string' },
  })
  const big = await raw(
    JSON.stringify({ env: { CNI_COMMAND: 'ADD' }, config: { x: 'y'.repeat(MAX_BODY_BYTES) } }),
  ).catch((err: Error) => ({ status: 0, body: err.message }))
  t.ok(big.status === 400 || big.status === 0, 'a huge body is refused (or the connection cut)')
  t.match(await callSocket(s, 'GET', '/cni'), { status: 404, body: { msg: /no route GET \/cni/ } })
  await e.waitReady()
  const env = {
    CNI_COMMAND: 'ADD' as const,
    CNI_CONTAINERID: 'c1',
    CNI_NETNS: '/x',
    CNI_IFNAME: 'eth0',
  }
  t.match(await cni(s, { ...env, CNI_CONTAINERID: '' }, {}), {
    status: 400,
    body: { cniVersion: '1.0.0', code: 4, msg: 'required env variable CNI_CONTAINERID missing' },
  })
  t.match(await cni(s, { ...env, CNI_CONTAINERID: '../x' }, {}), { status: 400, body: { code: 4 } })
  t.match(await cni(s, env, { cniVersion: '0.2.0' }), {
    status: 500,
    body: {
      cniVersion: '0.2.0',
      code: 1,
      msg: /cniVersion 0.2.0 is not supported \(supported: 0.3.0, /,
    },
  })
  t.match(await cni(s, { ...env, CNI_ARGS: 'bad' }, {}), {
    status: 400,
    body: { code: 4, msg: /CNI_ARGS/ },
  })
  t.match(await cni(s, { ...env, CNI_ARGS: 'A=1' }, {}), {
    status: 400,
    body: { code: 4, msg: /lacks K8S_POD_NAMESPACE/ },
  })
  t.match(await cni(s, { CNI_COMMAND: 'VERSION' }, { cniVersion: '0.4.0' }), {
    status: 200,
    body: {
      result: {
        cniVersion: '0.4.0',
        supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'],
      },
    },
  })
  t.match(await cni(s, { CNI_COMMAND: 'CHECK', CNI_CONTAINERID: 'c1', CNI_NETNS: '/x' }, {}), {
    status: 500,
    body: { code: 3, msg: /no attachment plan for container c1/ },
  })
  t.match(await cni(s, { CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'c1', CNI_ARGS: 'garbage' }, {}), {
    status: 200,
  })
  t.match(await cni(s, { CNI_COMMAND: 'GC' }, { cniVersion: '1.1.0' }), {
    status: 400,
    body: { code: 7, msg: /GC needs "cni.dev\/valid-attachments"/ },
  })
  t.match(
    await cni(s, { CNI_COMMAND: 'GC' }, { cniVersion: '1.1.0', 'cni.dev/valid-attachments': [] }),
    {
      status: 200,
    },
  )
})

t.test('a socket that cannot be created fails the start and releases everything', async (t) => {
  const { startAgent } = await import('../../src/agent/agent.js')
  const e = await agentEnv(t)
  const blocker = join(e.dir, 'file')
  writeFileSync(blocker, '')
  await t.rejects(
    startAgent({
      settings: { ...e.settings, socket: join(blocker, 'agent.sock'), healthPort: 0 },
      physicalNetworks: {},
      kubeConfig: e.api.kubeConfig(),
      logger: e.logs.logger,
    }),
    { code: /ENOTDIR|EEXIST/ },
  )
})
