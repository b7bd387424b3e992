import t from 'tap'
import { CniError, delegateError, isCniError } from '../../src/agent/cni-error.js'
import { CniPluginError } from '../../src/agent/cni/index.js'

t.test('body carries details only when there are some', async (t) => {
  t.same(new CniError(7, 'bad', '').body('1.0.0'), { cniVersion: '1.0.0', code: 7, msg: 'bad' })
  t.same(new CniError(7, 'bad', 'why').body('1.0.0'), {
    cniVersion: '1.0.0',
    code: 7,
    msg: 'bad',
    details: 'why',
  })
  t.ok(isCniError(new CniError(1, 'x')))
  t.notOk(isCniError(new Error('x')))
})

t.test('a delegate failure names the network, the plugin and its code', async (t) => {
  const err = new CniPluginError({
    pluginType: 'macvlan',
    command: 'ADD',
    code: 999,
    msg: 'Link not found',
    details: 'master eth9',
    failure: 'plugin',
  })
  const wrapped = delegateError('ns/net@net1', 'adding', err)
  t.equal(wrapped.code, 103)
  t.equal(
    wrapped.message,
    'adding network ns/net@net1 (plugin macvlan) failed: macvlan ADD: Link not found: master eth9 [plugin code 999]',
  )
  t.equal(wrapped.details, 'master eth9')
  t.equal(wrapped.cause, err)
  const plain = delegateError('n', 'deleting', new Error('boom'))
  t.equal(plain.message, 'deleting network n failed: boom')
  t.equal(plain.details, undefined)
})
