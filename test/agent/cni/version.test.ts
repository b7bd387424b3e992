import t from 'tap'
import {
  SUPPORTED_VERSIONS,
  compareVersions,
  highestVersion,
  isSupportedVersion,
  parseVersion,
  versionAtLeast,
} from '../../../src/agent/cni/version.js'

t.test('versions compare numerically', async (t) => {
  t.same(parseVersion('1.10.0'), [1, 10, 0])
  t.equal(parseVersion('1.0'), undefined)
  t.ok(compareVersions('1.10.0', '1.9.0') > 0)
  t.ok(compareVersions('0.3.1', '0.4.0') < 0)
  t.equal(compareVersions('1.0.0', '1.0.0'), 0)
  t.ok(compareVersions('junk', '0.0.1') < 0, 'unparseable sorts lowest')
  t.ok(versionAtLeast('1.1.0', '1.1.0'))
  t.notOk(versionAtLeast('0.3.1', '0.4.0'))
})

t.test('supported set and highest pick', async (t) => {
  t.same([...SUPPORTED_VERSIONS], ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'])
  t.notOk(isSupportedVersion('0.2.0'))
  t.equal(highestVersion(['0.4.0', '1.0.0', '0.3.1']), '1.0.0')
  t.equal(highestVersion(['0.1.0', '9.0.0']), undefined)
  t.equal(
    highestVersion(['1.0.0', '1.1.0'], (v) => v !== '1.1.0'),
    '1.0.0',
  )
})
