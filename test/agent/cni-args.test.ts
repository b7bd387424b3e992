import t from 'tap'
import {
  delegateArgs,
  formatCniArgs,
  parseCniArgs,
  podArgsOf,
  requirePodArgs,
} from '../../src/agent/cni-args.js'
import { CniError } from '../../src/agent/cni-error.js'

t.test('pairs in order; empty text and a trailing ";" are fine', async (t) => {
  t.same(parseCniArgs(''), [])
  const pairs = parseCniArgs('IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p;K8S_POD_UID=u;')
  t.same(pairs, [
    ['IgnoreUnknown', '1'],
    ['K8S_POD_NAMESPACE', 'ns'],
    ['K8S_POD_NAME', 'p'],
    ['K8S_POD_UID', 'u'],
  ])
  t.equal(formatCniArgs(pairs), 'IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p;K8S_POD_UID=u')
  t.same(podArgsOf(pairs), { namespace: 'ns', name: 'p', uid: 'u', infraContainerId: undefined })
})

t.test('a malformed pair is a code-4 error naming it', async (t) => {
  for (const bad of ['A=1;B', 'A=1;=x', 'A=b=c']) {
    t.throws(
      () => parseCniArgs(bad),
      { code: 4, message: /CNI_ARGS: pair \d ".*" is not KEY=VALUE/ },
      bad,
    )
  }
  try {
    parseCniArgs('K8S_POD_NAME')
  } catch (err) {
    t.ok(err instanceof CniError)
    t.same((err as CniError).body('0.4.0'), {
      cniVersion: '0.4.0',
      code: 4,
      msg: 'CNI_ARGS: pair 1 "K8S_POD_NAME" is not KEY=VALUE (one "=", a non-empty key)',
    })
  }
})

t.test('ADD needs the pod namespace and name; UID is optional', async (t) => {
  t.throws(() => requirePodArgs(parseCniArgs('IgnoreUnknown=1')), {
    code: 4,
    message: /lacks K8S_POD_NAMESPACE and K8S_POD_NAME/,
  })
  t.throws(() => requirePodArgs(parseCniArgs('K8S_POD_NAMESPACE=a;K8S_POD_NAME=')), {
    message: /lacks K8S_POD_NAME:/,
  })
  t.same(
    requirePodArgs(parseCniArgs('K8S_POD_NAMESPACE=a;K8S_POD_NAME=b;K8S_POD_INFRA_CONTAINER_ID=c')),
    {
      namespace: 'a',
      name: 'b',
      uid: undefined,
      infraContainerId: 'c',
    },
  )
})

t.test(
  'delegates always get IgnoreUnknown (the reference plugins refuse K8S_* otherwise)',
  async (t) => {
    t.same(delegateArgs([['K8S_POD_NAME', 'p']]), [
      ['IgnoreUnknown', '1'],
      ['K8S_POD_NAME', 'p'],
    ])
    const given = parseCniArgs('IgnoreUnknown=true;K8S_POD_NAME=p')
    t.equal(delegateArgs(given), given)
  },
)
