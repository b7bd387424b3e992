import { mkdtempSync, rmSync } from 'node:fs'
import { Readable, Writable } from 'node:stream'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { CNI_ERROR_CODES, type CniErrorBody } from '../../../src/agent/protocol.js'
import { runShim, shimSettings } from '../../../src/agent/shim/run.js'
import { ok, startFakeAgent, type FakeAgent } from './fixtures/fake-agent.js'

interface Outcome {
  readonly code: number
  readonly stdout: string
  readonly json: Record<string, unknown> | undefined
}

async function shim(stdin: string | Readable, env: Record<string, string>): Promise<Outcome> {
  let stdout = ''
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      stdout += chunk.toString()
      cb()
    },
  })
  const input = typeof stdin === 'string' ? Readable.from([Buffer.from(stdin)]) : stdin
  const code = await runShim({ stdin: input, stdout: out, env })
  const line = stdout.trim()
  return { code, stdout, json: line ? (JSON.parse(line) as Record<string, unknown>) : undefined }
}

const conf = (socket: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ cniVersion: '1.0.0', name: 'multinet', type: 'multinet', socket, ...extra })

const cniEnv = (command: string) => ({
  CNI_COMMAND: command,
  CNI_CONTAINERID: 'ctr1',
  CNI_NETNS: '/run/netns/x',
  CNI_IFNAME: 'eth0',
  CNI_ARGS: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=p',
  CNI_PATH: '/opt/cni/bin',
})

/** A short temp dir: unix socket paths are limited to 107 bytes, tap's testdirs are longer. */
function shortDir(t: Test): string {
  const dir = mkdtempSync('/tmp/mncni-shim-')
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function agentIn(t: Test, ready = true): Promise<FakeAgent> {
  const agent = await startFakeAgent(shortDir(t), ready)
  t.teardown(() => agent.close())
  return agent
}

function cniError(t: Test, o: Outcome, code: number): CniErrorBody {
  t.equal(o.code, 1, 'exit status 1')
  t.equal(o.json?.code, code, `CNI error code ${code}: ${o.stdout}`)
  return o.json as unknown as CniErrorBody
}

t.test('VERSION is answered without the agent', async (t) => {
  const o = await shim('{"cniVersion":"0.4.0"}', { CNI_COMMAND: 'VERSION' })
  t.equal(o.code, 0)
  t.same(o.json, {
    cniVersion: '1.1.0',
    supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'],
  })
  t.same((await shim('', { CNI_COMMAND: 'VERSION' })).code, 0, 'even with no stdin')
})

t.test('ADD waits for readiness, then forwards env and config', async (t) => {
  const agent = await agentIn(t, false)
  // The agent becomes ready once it has refused a probe: the shim must have polled again.
  agent.onProbe = (n) => {
    if (n === 2) agent.ready = true
  }
  const result = { cniVersion: '1.0.0', ips: [{ address: '10.251.0.2/24' }] }
  agent.handler = () => ok(result)
  const o = await shim(conf(agent.socket, { extra: [1] }), {
    ...cniEnv('ADD'),
    KUBECONFIG: '/secret',
    AWS_SECRET_ACCESS_KEY: 'x',
    CNI_UNKNOWN: 'not in the spec',
  })
  t.equal(o.code, 0)
  t.same(o.json, result)
  t.equal(agent.readyProbes(), 2, 'refused once, probed again')
  t.equal(agent.requests.length, 1)
  t.same(agent.requests[0]!.env, cniEnv('ADD'), 'only the spec CNI_* variables')
  t.same(agent.requests[0]!.config, JSON.parse(conf(agent.socket, { extra: [1] })))
})

t.test('ADD with no agent fails after readyTimeoutMs with code 100', async (t) => {
  const socket = join(shortDir(t), 'none.sock')
  const o = await shim(conf(socket, { readyTimeoutMs: 200 }), cniEnv('ADD'))
  const e = cniError(t, o, CNI_ERROR_CODES.agentUnavailable)
  t.equal(e.cniVersion, '1.0.0', 'in the config version')
  t.equal(
    e.msg,
    `multinet agent not ready after 200 ms: is multinet-agent running on this node? socket ${socket}`,
  )
  t.match(e.details, /ENOENT/)
})

t.test('ADD against an agent that stays unready: code 100 with its answer', async (t) => {
  const agent = await agentIn(t, false)
  const o = await shim(conf(agent.socket, { readyTimeoutMs: 300 }), cniEnv('ADD'))
  const e = cniError(t, o, CNI_ERROR_CODES.agentUnavailable)
  t.equal(e.details, 'HTTP 503: caches syncing')
  t.equal(agent.requests.length, 0, 'nothing forwarded')
})

t.test('a wedged agent: the last real answer is reported, else the probe timeout', async (t) => {
  const agent = await agentIn(t, false)
  agent.onProbe = (n) => {
    if (n === 2) agent.hangProbes = true
  }
  let e = cniError(t, await shim(conf(agent.socket, { readyTimeoutMs: 3000 }), cniEnv('ADD')), 100)
  t.equal(e.details, 'HTTP 503: caches syncing')
  const wedged = await agentIn(t, false)
  wedged.hangProbes = true
  e = cniError(t, await shim(conf(wedged.socket, { readyTimeoutMs: 3000 }), cniEnv('ADD')), 100)
  t.match(e.details, /^no answer within \d+ ms$/)
})

t.test('DEL with no agent fails at once with code 11 naming the socket', async (t) => {
  const socket = join(shortDir(t), 'none.sock')
  const e = cniError(t, await shim(conf(socket), cniEnv('DEL')), CNI_ERROR_CODES.tryAgainLater)
  t.equal(
    e.msg,
    `multinet agent unreachable, try again later: is multinet-agent running on this node? socket ${socket}`,
  )
})

t.test('DEL never waits for readiness; a null result prints nothing', async (t) => {
  const agent = await agentIn(t, false)
  const o = await shim(conf(agent.socket), { ...cniEnv('DEL'), CNI_NETNS: '' })
  t.equal(o.code, 0)
  t.equal(o.stdout, '')
  t.equal(agent.readyProbes(), 0, 'no /readyz probe on DEL')
  t.equal(agent.requests[0]!.env.CNI_NETNS, '', 'an empty netns is forwarded as such')
})

t.test("the agent's error body is printed verbatim", async (t) => {
  const agent = await agentIn(t)
  const body =
    '{"cniVersion":"1.0.0","code":102,"msg":"network default/missing not found","details":"NAD absent"}'
  agent.handler = () => ({ status: 400, body })
  const o = await shim(conf(agent.socket), cniEnv('ADD'))
  t.equal(o.code, 1)
  t.equal(o.stdout, `${body}\n`)
  agent.handler = () => ({ status: 500, body: `${body}\n` })
  t.equal((await shim(conf(agent.socket), cniEnv('ADD'))).stdout, `${body}\n`)
})

t.test('an answer that is not the protocol is an I/O failure', async (t) => {
  const agent = await agentIn(t)
  agent.handler = () => ({ status: 502, body: '<html>bad gateway</html>' })
  const e = cniError(t, await shim(conf(agent.socket), cniEnv('ADD')), CNI_ERROR_CODES.ioFailure)
  t.equal(e.msg, `unexpected answer from multinet agent (HTTP 502) on socket ${agent.socket}`)
  t.equal(e.details, '<html>bad gateway</html>')
  agent.handler = () => ({ status: 200, body: '{"no":"result"}' })
  cniError(t, await shim(conf(agent.socket), cniEnv('CHECK')), CNI_ERROR_CODES.ioFailure)
})

t.test('an answer larger than 1 MiB is cut off', async (t) => {
  const agent = await agentIn(t)
  agent.handler = () => ok('x'.repeat(1100 * 1024))
  const e = cniError(t, await shim(conf(agent.socket), cniEnv('ADD')), 100)
  t.equal(e.details, 'answer larger than 1048576 bytes')
})

t.test('the agent dropping the connection during ADD: code 100', async (t) => {
  const agent = await agentIn(t)
  agent.handler = () => {
    void agent.close()
    return undefined
  }
  const e = cniError(t, await shim(conf(agent.socket), cniEnv('ADD')), 100)
  t.match(e.msg, 'multinet agent unreachable: is multinet-agent running on this node?')
})

t.test('the overall deadline: code 104', async (t) => {
  const agent = await agentIn(t)
  agent.handler = () => undefined
  const e = cniError(
    t,
    await shim(conf(agent.socket, { deadlineMs: 300 }), cniEnv('ADD')),
    CNI_ERROR_CODES.deadlineExceeded,
  )
  t.equal(e.msg, 'multinet agent did not finish CNI ADD within 300 ms (deadlineMs)')
  t.equal(e.details, `socket ${agent.socket}`)
  // The deadline also bounds the wait for readiness.
  const slow = await agentIn(t, false)
  const o = await shim(
    conf(slow.socket, { deadlineMs: 200, readyTimeoutMs: 60_000 }),
    cniEnv('ADD'),
  )
  cniError(t, o, CNI_ERROR_CODES.deadlineExceeded)
})

t.test('CHECK waits for readiness; STATUS and GC are forwarded as they are', async (t) => {
  const agent = await agentIn(t)
  for (const command of ['CHECK', 'STATUS', 'GC']) {
    const o = await shim(conf(agent.socket), { CNI_COMMAND: command, CNI_PATH: '/opt/cni/bin' })
    t.equal(o.code, 0, command)
  }
  t.same(
    agent.requests.map((r) => r.env),
    ['CHECK', 'STATUS', 'GC'].map((c) => ({ CNI_COMMAND: c, CNI_PATH: '/opt/cni/bin' })),
  )
  t.equal(agent.readyProbes(), 1, 'only CHECK probed')
})

t.test('STATUS with no agent: 50 (plugin not available); GC: 11', async (t) => {
  const socket = join(shortDir(t), 'none.sock')
  cniError(t, await shim(conf(socket), { CNI_COMMAND: 'STATUS' }), 50)
  cniError(t, await shim(conf(socket), { CNI_COMMAND: 'GC' }), 11)
})

t.test('bad input: env, stdin, shim settings', async (t) => {
  const socket = '/nonexistent/agent.sock'
  let e = cniError(t, await shim(conf(socket), {}), CNI_ERROR_CODES.invalidEnv)
  t.equal(e.msg, 'required env variable CNI_COMMAND missing')
  e = cniError(t, await shim(conf(socket), { CNI_COMMAND: 'add' }), 4)
  t.equal(e.msg, 'unknown CNI_COMMAND "add"')
  e = cniError(t, await shim('{"cniVersion":', cniEnv('ADD')), CNI_ERROR_CODES.decodeFailure)
  t.equal(e.msg, 'cannot decode the network configuration on stdin')
  t.equal(e.cniVersion, '1.1.0', 'no config version to answer in')
  t.match(e.details, /JSON/)
  e = cniError(t, await shim('[1]', cniEnv('ADD')), 6)
  t.equal(e.details, 'not a JSON object')
  const big = Readable.from(
    (function* () {
      for (let i = 0; i < 5; i++) yield Buffer.alloc(1024 * 1024, 0x20)
    })(),
  )
  e = cniError(t, await shim(big, cniEnv('ADD')), 6)
  t.equal(e.msg, 'network configuration on stdin larger than 4194304 bytes')
  e = cniError(t, await shim(conf('relative.sock'), cniEnv('ADD')), 7)
  t.equal(
    e.msg,
    'invalid multinet shim config: socket must be an absolute path, got "relative.sock"',
  )
  e = cniError(t, await shim(conf(socket, { deadlineMs: -1 }), cniEnv('DEL')), 7)
  t.equal(e.msg, 'invalid multinet shim config: deadlineMs must be a positive integer (ms), got -1')
  cniError(t, await shim(conf(socket, { readyTimeoutMs: '5s' }), cniEnv('ADD')), 7)
})

t.test('defaults', async (t) => {
  t.same(shimSettings({}), {
    socket: '/run/multinet/agent.sock',
    readyTimeoutMs: 30_000,
    deadlineMs: 100_000,
  })
})

t.test('a stdin that fails is an I/O failure, still a CNI error', async (t) => {
  const broken = new Readable({
    read() {
      this.destroy(new Error('EIO reading stdin'))
    },
  })
  const e = cniError(t, await shim(broken, cniEnv('ADD')), CNI_ERROR_CODES.ioFailure)
  t.equal(e.msg, 'multinet shim failed: EIO reading stdin')
})
