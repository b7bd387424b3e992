import t from 'tap'
import { KubeConfig } from '@kubernetes/client-node'
import { ApiRequestError, KubeApi } from '../../../src/cli/kubectl/api.js'
import { apiFailure, connect, describeAction, step } from '../../../src/cli/kubectl/connect.js'
import { KUBECTL_OPTIONS } from '../../../src/config/kubectl-options.js'

const kc = new KubeConfig()
kc.loadFromOptions({
  clusters: [{ name: 'c', server: 'https://127.0.0.1:6443' }],
  users: [{ name: 'u', token: 't' }],
  contexts: [{ name: 'ctx', cluster: 'c', user: 'u', namespace: 'team' }],
  currentContext: 'ctx',
})
const api = new KubeApi(kc, 1000)

t.test('the namespace: -A, -n, else the context namespace', async (t) => {
  const dir = t.testdir({ kc: kc.exportConfig() })
  const base = {
    ...Object.fromEntries(Object.entries(KUBECTL_OPTIONS).map(([k, s]) => [k, s.default])),
    kubeconfig: `${dir}/kc`,
  } as never as Parameters<typeof connect>[0]
  t.equal(connect(base, {}).namespace, 'team')
  t.equal(connect({ ...base, namespace: 'x' }, {}).namespace, 'x')
  t.equal(connect({ ...base, namespace: 'x', allNamespaces: true }, {}).namespace, undefined)
})

t.test('failures turned into what to do', async (t) => {
  const list = { verb: 'list', resource: 'pods' } as const
  t.equal(
    describeAction({ verb: 'get', resource: 'pods', namespace: 'a' }),
    'get pods in namespace a',
  )
  const other = new Error('x')
  t.equal(apiFailure(other, api, list), other)
  t.match(apiFailure(new ApiRequestError('/p', 401, 'Unauthorized'), api, list), {
    code: 'MN_ERR_KUBE_FORBIDDEN',
    message:
      'not allowed: https://127.0.0.1:6443 does not accept the credentials of context "ctx" (HTTP 401: Unauthorized); log in again or pick another --context',
  })
  t.match(
    apiFailure(new ApiRequestError('/p', 403, 'no'), api, {
      ...list,
      namespace: 'a',
      group: 'apps',
    }),
    {
      message:
        /may not list pods in namespace a \(no\); ask an admin for a Role in namespace a \(or a ClusterRole\) granting verbs \[get, list\] on resource pods in apiGroup "apps"/,
    },
  )
  t.match(apiFailure(new ApiRequestError('/p', 404, 'gone'), api, list), {
    code: 'MN_ERR_KUBE_API',
    message: 'Kubernetes API call failed: list pods: HTTP 404: gone',
  })
  await t.rejects(
    step(api, list, async () => {
      throw new ApiRequestError('/p', undefined, 'ECONNRESET')
    }),
    { code: 'MN_ERR_KUBE_UNREACHABLE' },
  )
  t.equal(await step(api, list, async () => 7), 7)
})
