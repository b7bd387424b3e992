import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { AGENT_HELP, agentCommand, runAgent } from '../../src/cli/agent-command.js'
import { main } from '../../src/cli/main.js'
import { FakeApi } from '../agent/fixtures/fake-api.js'
import { callSocket } from '../agent/fixtures/cni-call.js'
import { testIo, until } from '../fixtures/webhook/cli-io.js'

t.test('--help documents every option; bad options are a usage error', async (t) => {
  const help = testIo('/')
  t.equal(await agentCommand(['--help'], help.io), 0)
  t.equal(help.stdout(), AGENT_HELP)
  for (const flag of [
    '--node-name',
    '--kubeconfig',
    '--socket',
    '--cni-bin-dirs',
    '--cni-conf-dir',
    '--primary-config',
    '--node-config-name',
    '--state-dir',
    '--net-conf-dir',
    '--physical-networks',
    '--physical-network-label-prefix',
    '--shim-source',
    '--health-port',
    '--health-bind-address',
    '--delegate-timeout-ms',
    '--max-concurrent',
    '--pod-resources-socket',
    '--log-level',
    '--shutdown-timeout-ms',
  ]) {
    t.match(AGENT_HELP, flag)
  }
  const missing = testIo('/')
  t.equal(await agentCommand([], missing.io), 2)
  t.match(missing.stderr(), /^multinet agent: invalid configuration: nodeName is required/)
  const bad = testIo('/')
  t.equal(await agentCommand(['--node-name', 'n', '--max-concurrent', '0'], bad.io), 2)
  t.match(bad.stderr(), /maxConcurrent = "0" from flag --max-concurrent: must be >= 1/)
  const listed = testIo('/')
  t.equal(await main(['--help'], listed.io), 0)
  t.match(listed.stdout(), /agent +run the node agent/)
})

t.test('runs from flags against the API, installs the shim, stops on the signal', async (t) => {
  const cwd = t.testdir({ 'net.d': {}, bin: {}, 'shim.bin': '#!/bin/sh\n' })
  const api = new FakeApi('cli-node')
  await api.start()
  t.teardown(() => api.stop())
  const kubeconfig = join(cwd, 'kubeconfig')
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: api.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    }),
  )
  writeFileSync(
    join(cwd, 'net.d', '10-p.conf'),
    JSON.stringify({ cniVersion: '1.0.0', name: 'p', type: 'bridge' }),
  )
  mkdirSync(join(cwd, 'sys'))
  const io = testIo(cwd, { MULTINET_NODE_NAME: 'cli-node' })
  // Fixture paths are too long for a unix socket (107 bytes).
  const sockDir = mkdtempSync(join(tmpdir(), 'mnag-cli-'))
  t.teardown(() => rmSync(sockDir, { recursive: true, force: true }))
  const socket = join(sockDir, 'agent.sock')
  const stop = new AbortController()
  const done = runAgent(
    [
      '--kubeconfig',
      'kubeconfig',
      '--socket',
      socket,
      '--cni-bin-dirs',
      'bin',
      '--cni-conf-dir',
      'net.d',
      '--primary-config',
      'net.d/10-p.conf',
      '--state-dir',
      'state',
      '--shim-source',
      'shim.bin',
      '--health-port',
      '0',
      '--physical-networks',
      '{"phy-lo":"lo"}',
      '--log-level',
      'debug',
    ],
    io.io,
    stop.signal,
  )
  const started = await Promise.race([
    until(() => io.logLines().some((l) => l.msg === 'agent started')).then(() => true),
    done.then(() => false),
  ])
  t.ok(started, `agent started (stderr: ${io.stderr()} ${JSON.stringify(io.logLines().slice(-3))})`)
  await until(() => io.logLines().some((l) => l.msg === 'initial list complete'))
  t.equal((await callSocket(socket, 'GET', '/readyz')).status, 200)
  t.ok(io.logLines().some((l) => l.msg === 'shim installed'))
  t.ok(
    io
      .logLines()
      .some(
        (l) => l.msg === 'primary network config' && l.primary === join(cwd, 'net.d', '10-p.conf'),
      ),
    'a --primary-config with a directory is relative to the working directory',
  )
  await until(() => api.node.metadata.labels['physnet.multinet.io/phy-lo'] === 'true')
  stop.abort('SIGTERM')
  t.equal(await done, 0)
  t.ok(io.logLines().some((l) => l.msg === 'agent stopped'))

  const failing = testIo(cwd)
  t.equal(
    await runAgent(
      ['--node-name', 'n', '--kubeconfig', 'nope', '--socket', 'run/b.sock'],
      failing.io,
      new AbortController().signal,
    ),
    3,
  )
  t.ok(failing.logLines().some((l) => l.msg === 'agent failed'))
})
