import { X509Certificate } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { CERTS_HELP, certsCommand } from '../../src/cli/certs-command.js'
import { startFakeApiServer, webhookConfiguration } from '../fixtures/tls/fake-apiserver.js'
import { testIo } from '../fixtures/webhook/cli-io.js'

const logOf = (stderr: string, msg: string) =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((l) => l.msg === msg)

t.test('--help prints every option; a bad option is a usage error', async (t) => {
  const help = testIo('/')
  t.equal(await certsCommand(['--help'], help.io), 0)
  t.equal(help.stdout(), CERTS_HELP)
  const bad = testIo('/')
  t.equal(await certsCommand(['--key-type', 'dsa'], bad.io), 2)
  t.match(
    bad.stderr(),
    /^multinet certs: invalid configuration: keyType = "dsa" from flag --key-type/,
  )
})

t.test('files: create, print the caBundle, reuse, and renew on --force', async (t) => {
  const cwd = t.testdir({})
  const args = [
    '--service',
    'mn',
    '--namespace',
    'ops',
    '--dns-names',
    'localhost',
    '--ip-addresses',
    '127.0.0.1',
  ]
  const first = testIo(cwd)
  t.equal(await certsCommand(args, first.io), 0, first.stderr())
  const dir = join(cwd, 'certs')
  const caPem = await readFile(join(dir, 'ca.crt'), 'utf8')
  t.equal(Buffer.from(first.stdout().trim(), 'base64').toString(), caPem, 'stdout is the caBundle')
  const cert = new X509Certificate(await readFile(join(dir, 'tls.crt')))
  t.equal(cert.subject, 'CN=mn.ops.svc')
  t.equal(
    cert.subjectAltName,
    'DNS:mn, DNS:mn.ops, DNS:mn.ops.svc, DNS:mn.ops.svc.cluster.local, DNS:localhost, IP Address:127.0.0.1',
  )
  t.equal(cert.publicKey.asymmetricKeyType, 'ec')
  t.match(logOf(first.stderr(), 'certificates renewed'), {
    reasons: ['CA: none stored', 'certificate: CA renewed'],
  })

  const second = testIo(cwd)
  t.equal(await certsCommand(args, second.io), 0)
  t.ok(logOf(second.stderr(), 'certificates reused'))
  t.equal(logOf(second.stderr(), 'certificate files written'), undefined, 'nothing rewritten')
  t.equal(second.stdout(), first.stdout())

  const forced = testIo(cwd)
  t.equal(await certsCommand([...args, '--force'], forced.io), 0)
  const bundle = Buffer.from(forced.stdout().trim(), 'base64').toString()
  t.equal(bundle.match(/BEGIN CERTIFICATE/g)?.length, 2, 'new CA plus the previous one')
  t.not(await readFile(join(dir, 'ca.crt'), 'utf8'), caPem)
})

t.test('RSA into a chosen folder, options from a config file and the environment', async (t) => {
  const cwd = t.testdir({ 'certs.yaml': 'keyType: rsa\noutDir: out\n' })
  const io = testIo(cwd, { MULTINET_RSA_BITS: '3072' })
  t.equal(await certsCommand(['--config', 'certs.yaml'], io.io), 0, io.stderr())
  const cert = new X509Certificate(await readFile(join(cwd, 'out', 'tls.crt')))
  t.equal(cert.publicKey.asymmetricKeyDetails?.modulusLength, 3072)
  t.equal(cert.subject, 'CN=multinet-webhook.multinet-system.svc')
})

t.test(
  'cluster: store the Secret, patch the webhooks, and reuse from the Secret next time',
  async (t) => {
    const api = await startFakeApiServer()
    t.teardown(() => api.close())
    const cwd = t.testdir({})
    const kubeconfig = await api.writeKubeconfig(cwd)
    api.webhooks.set(
      'validating/multinet',
      webhookConfiguration('validating', 'multinet', ['pods.multinet.io', 'nads.multinet.io']),
    )
    api.webhooks.set(
      'mutating/multinet',
      webhookConfiguration('mutating', 'multinet', ['pods.multinet.io']),
    )
    const args = [
      '--secret',
      'multinet-tls',
      '--validating-webhooks',
      'multinet',
      '--mutating-webhooks',
      'multinet',
    ]
    const first = testIo(cwd, { KUBECONFIG: kubeconfig })
    t.equal(await certsCommand(args, first.io), 0, first.stderr())
    const secret = api.secrets.get('multinet-system/multinet-tls') as {
      data: Record<string, string>
    }
    t.ok(secret, 'Secret created in the Service namespace')
    const caBundle = first.stdout().trim()
    t.equal(
      Buffer.from(secret.data['ca.crt'] as string, 'base64').toString(),
      Buffer.from(caBundle, 'base64').toString(),
    )
    for (const key of ['validating/multinet', 'mutating/multinet']) {
      const hooks = (
        api.webhooks.get(key) as { webhooks: { clientConfig: { caBundle: string } }[] }
      ).webhooks
      for (const hook of hooks) t.equal(hook.clientConfig.caBundle, caBundle, key)
    }
    t.match(logOf(first.stderr(), 'Secret stored'), { result: 'created' })
    t.equal(
      logOf(first.stderr(), 'certificate files written'),
      undefined,
      'no files unless --out-dir',
    )

    const second = testIo(cwd, { KUBECONFIG: kubeconfig })
    t.equal(await certsCommand([...args, '--out-dir', 'copy'], second.io), 0, second.stderr())
    t.ok(logOf(second.stderr(), 'certificates reused'), 'reused from the Secret')
    t.match(logOf(second.stderr(), 'Secret stored'), { result: 'unchanged' })
    t.match(logOf(second.stderr(), 'caBundle set'), { webhooksPatched: 0 })
    t.equal(second.stdout(), first.stdout())
    t.equal(
      await readFile(join(cwd, 'copy', 'tls.crt'), 'utf8'),
      Buffer.from(secret.data['tls.crt'] as string, 'base64').toString(),
      'the Secret copied to the folder',
    )
  },
)

t.test('cluster failures are exit 3 with the reason', async (t) => {
  const cwd = t.testdir({})
  const noConfig = testIo(cwd, {})
  t.equal(await certsCommand(['--secret', 's'], noConfig.io), 3)
  t.match(noConfig.stderr(), /multinet certs: cannot load kubeconfig: not running in a cluster/)
  const api = await startFakeApiServer()
  t.teardown(() => api.close())
  const kubeconfig = await api.writeKubeconfig(cwd)
  const missing = testIo(cwd, {})
  t.equal(
    await certsCommand(['--kubeconfig', kubeconfig, '--validating-webhooks', 'absent'], missing.io),
    3,
  )
  t.match(missing.stderr(), /validating webhook configuration absent \(HTTP 404\)/)
  t.match(logOf(missing.stderr(), 'certs failed'), { level: 'error', code: 'MN_ERR_KUBE_API' })
})
