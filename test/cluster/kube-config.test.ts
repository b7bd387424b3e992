import { join } from 'node:path'
import t from 'tap'
import { kubeconfigPath, loadKubeConfig } from '../../src/cluster/kube-config.js'

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: 'https://127.0.0.1:6443' } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`

t.test('--kubeconfig wins over KUBECONFIG, whose first entry is used', async (t) => {
  t.equal(kubeconfigPath({ kubeconfig: '/a', env: { KUBECONFIG: '/b' } }), '/a')
  t.equal(kubeconfigPath({ env: { KUBECONFIG: ':/b:/c' } }), '/b')
  t.equal(kubeconfigPath({ env: { KUBECONFIG: '' } }), undefined)
  t.equal(kubeconfigPath({ env: {} }), undefined)
})

t.test('loads a kubeconfig file', async (t) => {
  const dir = t.testdir({ kc: KUBECONFIG, empty: 'apiVersion: v1\nkind: Config\n', bad: ': : :' })
  const kc = loadKubeConfig({ env: { KUBECONFIG: join(dir, 'kc') } })
  t.equal(kc.getCurrentCluster()?.server, 'https://127.0.0.1:6443')
  t.throws(() => loadKubeConfig({ kubeconfig: join(dir, 'missing'), env: {} }), {
    code: 'MN_ERR_KUBE_CONFIG',
    message: new RegExp(`^cannot load kubeconfig: ${join(dir, 'missing')}: ENOENT`),
  })
  t.throws(() => loadKubeConfig({ kubeconfig: join(dir, 'empty'), env: {} }), {
    message: /current context names no cluster/,
  })
  t.throws(() => loadKubeConfig({ kubeconfig: join(dir, 'bad'), env: {} }), {
    code: 'MN_ERR_KUBE_CONFIG',
  })
})

t.test('in-cluster by default, with a clear error outside a cluster', async (t) => {
  t.throws(() => loadKubeConfig({ env: {} }), {
    code: 'MN_ERR_KUBE_CONFIG',
    message: /not running in a cluster \(KUBERNETES_SERVICE_HOST is unset\)/,
  })
  const kc = loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' } })
  t.equal(kc.getCurrentCluster()?.name, 'inCluster')
})
