import t from 'tap'
import { networksCommand, NadUse, networkRow } from '../../../src/cli/kubectl/networks-command.js'
import { runIn, startWorld } from './fixtures/world.js'

t.test('NADs with access under the live policy and pod counts', async (t) => {
  const { api, env } = await startWorld(t)
  const r = await runIn(networksCommand, ['-n', 'infra'], env)
  t.equal(r.code, 0)
  t.equal(r.stderr, '')
  t.equal(
    r.stdout,
    'NAME     PLUGINS       RESOURCE         PHYSNET   NODE-SELECTOR   ACCESS                 PODS\n' +
      'shared   bridge        <none>           <none>    <none>          global,own-namespace   1\n' +
      'sriov    host-device   example.com/vf   <none>    <none>          global,own-namespace   1\n',
  )
  api.lists.set('/apis/k8s.cni.cncf.io/v1/namespaces/app/network-attachment-definitions', [])
  const none = await runIn(networksCommand, ['-n', 'app'], env)
  t.equal(none.stderr, 'No networks found in app namespace.\n')
  // The fake answers 404 for a list it does not know, as a server without the CRD does.
  const noCrd = await runIn(networksCommand, ['-n', 'elsewhere'], env)
  t.equal(noCrd.code, 3)
  t.match(
    noCrd.stderr,
    /^error: not found: the NetworkAttachmentDefinition CRD \(k8s\.cni\.cncf\.io\/v1\) is not installed in http:\/\/127\.0\.0\.1:\d+: install the Multinet chart/,
  )
  const allNone = await runIn(networksCommand, ['-A', '-l', 'x=y'], env)
  t.equal(allNone.stderr, 'No networks found.\n')
  // Without the right to list namespaces: decided by name, with a warning that says so.
  const full = await runIn(networksCommand, ['-A', '--no-headers'], env)
  api.forbidden.add('/api/v1/namespaces')
  const limited = await runIn(networksCommand, ['-A', '--no-headers'], env)
  t.equal(limited.code, 0)
  t.equal(limited.stdout, full.stdout)
  t.match(limited.stderr, /^warning: context "fake" may not list namespaces: /)
})

t.test('RBAC only for one namespace: counts of that namespace, with a warning', async (t) => {
  const { api, env } = await startWorld(t)
  api.lists.set('/apis/k8s.cni.cncf.io/v1/namespaces/lab/network-attachment-definitions', [])
  api.lists.set('/api/v1/namespaces/infra/pods', [])
  api.forbidden.add('/api/v1/pods')
  const r = await runIn(networksCommand, ['-n', 'infra', '--no-headers'], env)
  t.equal(r.code, 0)
  t.match(r.stdout, /^shared +bridge .* 0\nsriov +host-device .* 0\n$/)
  t.match(
    r.stderr,
    /^warning: context "fake" may not list pods in all namespaces: PODS and ACCESS count the pods of namespace infra only\n$/,
  )
  const lab = await runIn(networksCommand, ['-n', 'lab'], env)
  t.equal(lab.code, 0)
  const all = await runIn(networksCommand, ['-A'], env)
  t.equal(all.code, 3)
  t.match(all.stderr, /^error: not allowed: context "fake" may not list pods /)
})

t.test('an invalid live policy is named on stderr', async (t) => {
  const { api, env } = await startWorld(t)
  api.lists.set('/api/v1/namespaces/multinet-system/configmaps', [
    {
      metadata: {
        name: '10-bad',
        namespace: 'multinet-system',
        labels: { 'multinet.io/policy': 'true' },
      },
      data: { 'policy.yaml': 'apiVersion: nope\n' },
    } as never,
  ])
  const r = await runIn(networksCommand, ['-A'], env)
  t.equal(r.code, 0)
  t.match(r.stderr, /warning: live policy: ConfigMap multinet-system\/10-bad: /)
})

t.test(
  'counts: unfinished selecting pods, reporting pods; the first resource key that is set',
  async (t) => {
    const use = new NadUse()
    const status = JSON.stringify([{ name: 'infra/a', interface: 'net1' }])
    use.add({
      metadata: {
        name: 'p',
        namespace: 'x',
        annotations: {
          'k8s.v1.cni.cncf.io/networks': 'infra/a',
          'k8s.v1.cni.cncf.io/network-status': status,
        },
      },
    })
    use.add({
      metadata: { name: 'q', annotations: { 'k8s.v1.cni.cncf.io/networks': 'infra/a' } },
      status: { phase: 'Succeeded' },
    })
    use.add({
      metadata: {
        name: 'r',
        namespace: 'x',
        annotations: { 'k8s.v1.cni.cncf.io/networks': 'infra/a' },
      },
      spec: { serviceAccountName: 'sa' },
    })
    t.same([...use.namespaces].sort(), ['default', 'x'])
    t.same(
      use.subjects.get('infra/a')?.map((s) => s.serviceAccount),
      ['default', 'sa'],
    )
    const row = networkRow(
      {
        namespace: 'infra',
        name: 'a',
        labels: {},
        annotations: { second: 'r2', 'multinet.io/physical-network': 'dc' },
        cniTypes: [],
      },
      { allowedBy: [], namespaces: {}, refusedBy: [] },
      use,
      undefined,
      ['first', 'second'],
    )
    t.same([row.pods, row.attached, row.resource, row.physicalNetwork], [2, 1, 'r2', 'dc'])
  },
)
