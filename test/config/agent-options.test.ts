import t from 'tap'
import {
  AGENT_OPTIONS,
  checkAgentSettings,
  type AgentSettings,
} from '../../src/config/agent-options.js'
import { loadOptions } from '../../src/config/load.js'

function load(argv: string[], env: Record<string, string> = {}): AgentSettings {
  const r = loadOptions(AGENT_OPTIONS, { argv, env, readFile: () => '' })
  if (r.kind !== 'config') throw new Error('help')
  return r.config
}

t.test('the CLI contract: flags, env MULTINET_*, defaults', async (t) => {
  const s = load(['--node-name', 'n1', '--cni-bin-dirs', '/opt/cni/bin,/usr/lib/cni'], {
    KUBECONFIG: '/k',
    MULTINET_PHYSICAL_NETWORKS: '{"phy-data":"eth1"}',
  })
  t.match(s, {
    nodeName: 'n1',
    kubeconfig: '/k',
    socket: '/run/multinet/agent.sock',
    cniBinDirs: ['/opt/cni/bin', '/usr/lib/cni'],
    cniConfDir: '/etc/cni/net.d',
    primaryConfig: undefined,
    nodeConfigName: '00-multinet.conflist',
    stateDir: '/var/lib/multinet',
    netConfDir: '/etc/cni/multinet/net.d',
    physicalNetworks: '{"phy-data":"eth1"}',
    physicalNetworkLabelPrefix: 'physnet.multinet.io/',
    shimSource: undefined,
    healthPort: 8082,
    healthBindAddress: '127.0.0.1',
    delegateTimeoutMs: 60000,
    maxConcurrent: 16,
    podResourcesSocket: '/var/lib/kubelet/pod-resources/kubelet.sock',
    logLevel: 'info',
  })
  t.same(checkAgentSettings(s), { 'phy-data': 'eth1' })
  t.equal(load([], { MULTINET_NODE_NAME: 'from-env' }).nodeName, 'from-env')
})

t.test('cross-option checks name every problem', async (t) => {
  t.throws(() => checkAgentSettings(load([])), {
    code: 'MN_ERR_CONFIG_INVALID',
    message: /nodeName is required \(--node-name or MULTINET_NODE_NAME\)/,
  })
  const bad = load([
    '--node-name=n',
    '--node-config-name=x.conf',
    '--physical-network-label-prefix=bad prefix',
    '--physical-networks={"Bad":"eth1","ok":"a/b","fine":"eth2"}',
  ])
  try {
    checkAgentSettings(bad)
    t.fail('expected an error')
  } catch (err) {
    const problems = (err as { details: { problems: string[] } }).details.problems
    t.match(problems, [
      /nodeConfigName "x.conf" must be a file name ending in .conflist/,
      /physicalNetworkLabelPrefix "bad prefix" must be a label key prefix ending in "\/"/,
      /physicalNetworks: network "Bad"/,
      /physicalNetworks.ok: "a\/b" is not a network interface name/,
    ])
  }
  t.throws(() => checkAgentSettings(load(['--node-name=n', '--physical-networks', '{'])), {
    message: /physicalNetworks is not JSON/,
  })
  t.throws(() => checkAgentSettings(load(['--node-name=n', '--physical-networks', '[]'])), {
    message: /physicalNetworks must be a JSON object/,
  })
  t.throws(() => checkAgentSettings(load(['--node-name=n', `--socket=/${'x'.repeat(107)}`])), {
    message: /socket path is 108 bytes; a unix socket path must be at most 107/,
  })
  t.throws(() => checkAgentSettings({ ...load(['--node-name=n']), cniBinDirs: [] }), {
    message: /cniBinDirs must name at least one directory/,
  })
  t.throws(
    () => checkAgentSettings(load(['--node-name=n', '--physical-network-label-prefix=x.io'])),
    {
      message: /must be a label key prefix ending in "\/"/,
    },
  )
})
