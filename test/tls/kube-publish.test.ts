import t, { type Test } from 'tap'
import { loadKubeConfig } from '../../src/cluster/kube-config.js'
import { CertPublisher } from '../../src/tls/kube-publish.js'
import { ensureCertificates } from '../../src/tls/renew.js'
import {
  startFakeApiServer,
  webhookConfiguration,
  type FakeApiServer,
} from '../fixtures/tls/fake-apiserver.js'

const bundle = ensureCertificates(
  {},
  {
    caCommonName: 'ca',
    commonName: 'svc.ns.svc',
    dnsNames: ['svc.ns.svc'],
    ipAddresses: [],
    key: { type: 'ecdsa' },
    caDays: 10,
    certDays: 5,
    renewBeforeDays: 1,
    force: false,
  },
).bundle

async function setup(t: Test): Promise<{ api: FakeApiServer; publisher: CertPublisher }> {
  const api = await startFakeApiServer()
  t.teardown(() => api.close())
  const kubeconfig = await api.writeKubeconfig(t.testdir({}))
  return { api, publisher: new CertPublisher(loadKubeConfig({ kubeconfig, env: {} })) }
}

t.test(
  'a Secret is created, read back, left alone when equal, and replaced when not',
  async (t) => {
    const { api, publisher } = await setup(t)
    t.equal(await publisher.readSecret('ns', 'tls'), undefined)
    t.equal(await publisher.storeSecret('ns', 'tls', bundle), 'created')
    const stored = api.secrets.get('ns/tls') as {
      type: string
      data: Record<string, string>
      metadata: { labels: object }
    }
    t.equal(stored.type, 'kubernetes.io/tls')
    t.same(Object.keys(stored.data).sort(), ['ca.crt', 'ca.key', 'tls.crt', 'tls.key'])
    t.equal(Buffer.from(stored.data['tls.crt'] as string, 'base64').toString(), bundle.cert)
    t.same(stored.metadata.labels, { 'app.kubernetes.io/managed-by': 'multinet-certs' })
    t.same(await publisher.readSecret('ns', 'tls'), bundle)
    t.equal(await publisher.storeSecret('ns', 'tls', bundle), 'unchanged')
    t.equal(await publisher.storeSecret('ns', 'tls', { ...bundle, cert: 'new' }), 'updated')
    t.equal((await publisher.readSecret('ns', 'tls'))?.cert, 'new')
    const put = api.requests.find((r) => r.method === 'PUT')
    t.match(
      put?.body,
      { metadata: { resourceVersion: '1' } },
      'replace is conditional on the version read',
    )
  },
)

t.test('a Secret with only some keys reads as partial material', async (t) => {
  const { api, publisher } = await setup(t)
  api.secrets.set('ns/tls', {
    metadata: { name: 'tls', resourceVersion: '9' },
    data: { 'tls.crt': Buffer.from('c').toString('base64') },
  })
  t.same(await publisher.readSecret('ns', 'tls'), { cert: 'c' })
  api.secrets.set('ns/empty', { metadata: { name: 'empty', resourceVersion: '9' } })
  t.same(await publisher.readSecret('ns', 'empty'), {})
})

t.test('API failures are MN_ERR_KUBE_API with the object and the HTTP status', async (t) => {
  const { api, publisher } = await setup(t)
  api.failNext('GET', 500)
  await t.rejects(publisher.readSecret('ns', 'tls'), {
    code: 'MN_ERR_KUBE_API',
    message: /Secret ns\/tls \(HTTP 500\)/,
  })
  api.failNext('POST', 403)
  await t.rejects(publisher.storeSecret('ns', 'tls', bundle), {
    message: /Secret ns\/tls \(HTTP 403\)/,
  })
  await t.rejects(publisher.patchCaBundle('validating', 'absent', 'x'), {
    code: 'MN_ERR_KUBE_API',
    message: /validating webhook configuration absent \(HTTP 404\)/,
  })
})

t.test(
  'caBundle is set on every webhook of each configuration, with a guarded JSON patch',
  async (t) => {
    const { api, publisher } = await setup(t)
    api.webhooks.set(
      'validating/mn',
      webhookConfiguration('validating', 'mn', ['pods.multinet.io', 'nads.multinet.io']),
    )
    api.webhooks.set('mutating/mn', webhookConfiguration('mutating', 'mn', ['pods.multinet.io']))
    t.equal(await publisher.patchCaBundle('validating', 'mn', bundle.caCert), 2)
    t.equal(await publisher.patchCaBundle('mutating', 'mn', bundle.caCert), 1)
    const expected = Buffer.from(bundle.caCert).toString('base64')
    for (const key of ['validating/mn', 'mutating/mn']) {
      const hooks = (
        api.webhooks.get(key) as { webhooks: { clientConfig: { caBundle?: string } }[] }
      ).webhooks
      for (const hook of hooks) t.equal(hook.clientConfig.caBundle, expected, key)
    }
    const patch = api.requests.find((r) => r.method === 'PATCH')
    t.equal(patch?.contentType, 'application/json-patch+json')
    t.same((patch?.body as object[])[0], {
      op: 'test',
      path: '/webhooks/0/name',
      value: 'pods.multinet.io',
    })
    const patches = api.requests.filter((r) => r.method === 'PATCH').length
    t.equal(
      await publisher.patchCaBundle('validating', 'mn', bundle.caCert),
      0,
      'already set: no patch',
    )
    t.equal(api.requests.filter((r) => r.method === 'PATCH').length, patches)
    api.webhooks.set('validating/empty', { metadata: { name: 'empty' } })
    t.equal(await publisher.patchCaBundle('validating', 'empty', bundle.caCert), 0)
  },
)
