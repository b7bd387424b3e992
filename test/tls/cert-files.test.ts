import { mkdir, readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { CERT_FILES, ensureCertDir, readCertDir, writeCertDir } from '../../src/tls/cert-files.js'
import type { CertRequest } from '../../src/tls/renew.js'

const REQUEST: CertRequest = {
  caCommonName: 'dev-ca',
  commonName: 'localhost',
  dnsNames: ['localhost'],
  ipAddresses: ['127.0.0.1'],
  key: { type: 'ecdsa' },
  caDays: 10,
  certDays: 5,
  renewBeforeDays: 1,
  force: false,
}

t.test('an empty or missing folder reads as nothing stored', async (t) => {
  const dir = t.testdir({})
  t.same(await readCertDir(dir), {})
  t.same(await readCertDir(join(dir, 'absent')), {})
})

t.test('ensureCertDir writes once, then reuses; keys are private', async (t) => {
  const dir = join(t.testdir({}), 'certs')
  const first = await ensureCertDir(dir, REQUEST)
  t.equal(first.certRenewed, true)
  for (const name of Object.values(CERT_FILES)) t.ok((await stat(join(dir, name))).isFile(), name)
  t.equal((await stat(join(dir, 'tls.key'))).mode & 0o777, 0o600)
  t.equal((await stat(join(dir, 'ca.key'))).mode & 0o777, 0o600)
  t.equal((await stat(join(dir, 'tls.crt'))).mode & 0o777, 0o644)
  const mtime = (await stat(join(dir, 'tls.crt'))).mtimeMs
  const second = await ensureCertDir(dir, REQUEST)
  t.equal(second.certRenewed, false)
  t.equal((await stat(join(dir, 'tls.crt'))).mtimeMs, mtime, 'not rewritten')
  t.equal(await readFile(join(dir, 'tls.crt'), 'utf8'), first.bundle.cert)
  t.same(await readCertDir(dir), first.bundle)
})

t.test('writeCertDir leaves no temporary files behind', async (t) => {
  const dir = t.testdir({})
  await writeCertDir(dir, { caCert: 'a', caKey: 'b', cert: 'c', key: 'd' })
  t.same((await readdir(dir)).sort(), ['ca.crt', 'ca.key', 'tls.crt', 'tls.key'])
})

t.test('an unreadable file is an error, not a silent renewal', async (t) => {
  const dir = t.testdir({})
  await mkdir(join(dir, 'tls.crt'))
  await t.rejects(readCertDir(dir), { code: 'MN_ERR_FILE_READ', message: /tls\.crt: EISDIR/ })
})
