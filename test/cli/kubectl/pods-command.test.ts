import t from 'tap'
import { podsCommand } from '../../../src/cli/kubectl/pods-command.js'
import { runIn, startWorld } from './fixtures/world.js'

t.test("the context's namespace by default, -A for all, pages of --page-size", async (t) => {
  const { api, env } = await startWorld(t)
  const r = await runIn(podsCommand, [], env)
  t.equal(r.code, 0)
  t.equal(
    r.stdout,
    'POD   NETWORK        INTERFACE   IPS      MAC      ROUTE    STATUS\n' +
      'web   infra/shared   <none>      <none>   <none>   <none>   no-status\n',
  )
  const all = await runIn(podsCommand, ['-A', '--page-size', '1', '--no-headers'], env)
  t.equal(
    all.stdout,
    'app   web   infra/shared   <none>   <none>   <none>   <none>   no-status\n' +
      'lab   dev   infra/sriov    <none>   <none>   <none>   <none>   no-status\n',
  )
  t.equal(api.requests.filter((r) => r.startsWith('/api/v1/pods?')).length, 3, 'three pages of one')
  const none = await runIn(podsCommand, ['-A', '-l', 'app=nothing'], env)
  t.equal(none.stderr, 'No pods with networks found.\n')
  const yaml = await runIn(podsCommand, ['-n', 'lab', '-o', 'yaml'], env)
  t.match(
    yaml.stdout,
    /^apiVersion: multinet.io\/v1alpha1\nkind: PodNetworkList\nitems:\n {2}- namespace: lab\n/,
  )
})

t.test('help and usage errors', async (t) => {
  const { env } = await startWorld(t)
  const help = await runIn(podsCommand, ['--help'], env)
  t.equal(help.code, 0)
  t.match(help.stdout, /^Usage: multinet pods /)
  const bad = await runIn(podsCommand, ['extra'], env)
  t.equal(bad.code, 2)
  t.equal(bad.stderr, "error: unexpected argument 'extra' (see --help)\n")
})
