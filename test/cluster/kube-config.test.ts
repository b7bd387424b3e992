import { delimiter, join } from 'node:path'
import t from 'tap'
import {
  contextNamespace,
  kubeconfigOrigin,
  kubeconfigPath,
  loadKubeConfig,
} from '../../src/cluster/kube-config.js'

const kubeconfig = (server: string, ctx = 'x', extra = ''): string => `apiVersion: v1
kind: Config
clusters: [{ name: c-${ctx}, cluster: { server: '${server}' } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: ${ctx}, context: { cluster: c-${ctx}, user: u${extra} } }]
current-context: ${ctx}
`
const KUBECONFIG = kubeconfig('https://127.0.0.1:6443')

t.test('the chain: --kubeconfig, KUBECONFIG (all files), ~/.kube/config, in-cluster', async (t) => {
  const none = (): boolean => false
  const all = (): boolean => true
  t.equal(kubeconfigPath({ kubeconfig: '/a', env: { KUBECONFIG: '/b' } }), '/a')
  t.same(kubeconfigOrigin({ env: { KUBECONFIG: `${delimiter}/b${delimiter}/c` } }), {
    kind: 'files',
    paths: ['/b', '/c'],
    from: 'KUBECONFIG',
  })
  t.same(kubeconfigOrigin({ env: { KUBECONFIG: '', HOME: '/home/me' }, exists: all }), {
    kind: 'files',
    paths: ['/home/me/.kube/config'],
    from: '~/.kube/config',
  })
  t.same(
    kubeconfigOrigin({
      env: { HOME: '/home/me', KUBERNETES_SERVICE_HOST: '10.0.0.1' },
      exists: none,
    }),
    { kind: 'in-cluster' },
  )
  t.equal(kubeconfigPath({ env: { HOME: '/home/me' }, exists: none }), undefined)
  t.equal(kubeconfigOrigin({ env: {} }), undefined)
})

t.test('loads a kubeconfig file, and ~/.kube/config from HOME', async (t) => {
  const dir = t.testdir({
    kc: KUBECONFIG,
    empty: 'apiVersion: v1\nkind: Config\n',
    bad: ': : :',
    home: { '.kube': { config: kubeconfig('https://127.0.0.1:7443') } },
  })
  const kc = loadKubeConfig({ env: { KUBECONFIG: join(dir, 'kc') } })
  t.equal(kc.getCurrentCluster()?.server, 'https://127.0.0.1:6443')
  const fromHome = loadKubeConfig({ env: { HOME: join(dir, 'home') } })
  t.equal(fromHome.getCurrentCluster()?.server, 'https://127.0.0.1:7443')
  t.throws(() => loadKubeConfig({ kubeconfig: join(dir, 'missing'), env: {} }), {
    code: 'MN_ERR_KUBE_CONFIG',
    message: new RegExp(`^cannot load kubeconfig: ${join(dir, 'missing')}: ENOENT`),
  })
  t.throws(() => loadKubeConfig({ kubeconfig: join(dir, 'empty'), env: {} }), {
    message: /current context names no cluster; pick one with --context/,
  })
  t.throws(() => loadKubeConfig({ kubeconfig: join(dir, 'bad'), env: {} }), {
    code: 'MN_ERR_KUBE_CONFIG',
  })
})

t.test('KUBECONFIG files merge, the first to set a name winning; --context switches', async (t) => {
  const dir = t.testdir({
    a: kubeconfig('https://127.0.0.1:1001', 'a', ', namespace: team-a'),
    b: kubeconfig('https://127.0.0.1:1002', 'b'),
    dup: kubeconfig('https://127.0.0.1:1003', 'a'),
    nocurrent: 'apiVersion: v1\nkind: Config\n',
  })
  const env = { KUBECONFIG: [join(dir, 'a'), join(dir, 'b'), join(dir, 'dup')].join(delimiter) }
  const kc = loadKubeConfig({ env })
  t.equal(kc.getCurrentContext(), 'a')
  t.equal(kc.getCurrentCluster()?.server, 'https://127.0.0.1:1001', 'the first file wins')
  t.equal(contextNamespace(kc), 'team-a')
  const b = loadKubeConfig({ env, context: 'b' })
  t.equal(b.getCurrentCluster()?.server, 'https://127.0.0.1:1002')
  t.equal(contextNamespace(b), 'default')
  t.throws(() => loadKubeConfig({ env, context: 'zz' }), {
    code: 'MN_ERR_KUBE_CONFIG',
    message: /no context "zz" \(contexts: a, b\)/,
  })
  // A first file without a current context takes the next file's.
  const later = loadKubeConfig({
    env: { KUBECONFIG: [join(dir, 'nocurrent'), join(dir, 'b')].join(delimiter) },
  })
  t.equal(later.getCurrentContext(), 'b')
})

t.test('in-cluster last, with a clear error when nothing is configured', async (t) => {
  t.throws(() => loadKubeConfig({ env: {} }), {
    code: 'MN_ERR_KUBE_CONFIG',
    message:
      /not running in a cluster \(KUBERNETES_SERVICE_HOST is unset\) and no kubeconfig found: give --kubeconfig FILE, set KUBECONFIG, or create ~\/.kube\/config/,
  })
  const kc = loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' } })
  t.equal(kc.getCurrentCluster()?.name, 'inCluster')
})
