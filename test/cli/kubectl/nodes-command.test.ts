import t from 'tap'
import { nodesCommand } from '../../../src/cli/kubectl/nodes-command.js'
import { runIn, startWorld } from './fixtures/world.js'

t.test('physical networks and device use per node', async (t) => {
  const { api, env } = await startWorld(t)
  const r = await runIn(nodesCommand, [], env)
  t.equal(r.code, 0)
  t.equal(
    r.stdout,
    'NAME     STATUS    PHYSICAL-NETWORKS   DEVICES(CAPACITY/ALLOCATABLE/REQUESTED)\n' +
      'node-a   Unknown   dc                  example.com/vf=4/4/1\n',
  )
  const json = await runIn(nodesCommand, ['-o', 'json'], env)
  t.same(JSON.parse(json.stdout).items[0].resources, [
    { name: 'example.com/vf', capacity: 4, allocatable: 4, requested: 1 },
  ])
  const none = await runIn(nodesCommand, ['-l', 'x=y'], env)
  t.equal(none.stderr, 'No nodes found.\n')
  // No NAD names a resource: pods are not even listed.
  api.lists.set('/apis/k8s.cni.cncf.io/v1/network-attachment-definitions', [])
  const before = api.requests.length
  const bare = await runIn(nodesCommand, ['--no-headers'], env)
  t.equal(bare.stdout, 'node-a   Unknown   dc   <none>\n')
  t.notOk(api.requests.slice(before).some((p) => p.startsWith('/api/v1/pods')))
})

t.test('RBAC: the error names the verb, the resource and what to ask for', async (t) => {
  const { api, env } = await startWorld(t)
  api.forbidden.add('/api/v1/nodes')
  const r = await runIn(nodesCommand, [], env)
  t.equal(r.code, 3)
  t.equal(
    r.stderr,
    'error: not allowed: context "fake" may not list nodes (forbidden: User "tester" cannot list /api/v1/nodes); ask an admin for a ClusterRole bound with a ClusterRoleBinding granting verbs [get, list] on resource nodes in apiGroup "" (docs/cli.md#rbac has a ready one)\n',
  )
})
