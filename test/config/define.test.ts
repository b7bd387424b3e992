import t from 'tap'
import { envName, flagName } from '../../src/config/define.js'

t.test('flag and environment names derive from the camelCase key', async (t) => {
  t.equal(flagName('tlsCertFile'), 'tls-cert-file')
  t.equal(flagName('port'), 'port')
  t.equal(envName('tlsCertFile'), 'MULTINET_TLS_CERT_FILE')
  t.equal(envName('bodyLimitBytes'), 'MULTINET_BODY_LIMIT_BYTES')
})
