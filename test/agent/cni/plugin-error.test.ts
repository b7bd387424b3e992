import t from 'tap'
import { CniPluginError, joinErrors } from '../../../src/agent/cni/plugin-error.js'

const one = new CniPluginError({
  pluginType: 'bridge',
  command: 'DEL',
  code: 11,
  msg: 'busy',
  failure: 'plugin',
})

t.test('one error: its own message and CNI form', async (t) => {
  t.equal(one.name, 'CniPluginError')
  t.equal(one.message, 'bridge DEL: busy')
  t.same(one.errors, [])
  t.same(one.toCniError('0.4.0'), { cniVersion: '0.4.0', code: 11, msg: 'bridge: busy' })
  t.equal(joinErrors('DEL', [one]), one, 'a single failure is not wrapped')
})

t.test('joined errors keep each one and the first code', async (t) => {
  const two = new CniPluginError({
    pluginType: 'host-local',
    command: 'DEL',
    code: 5,
    msg: 'io',
    details: 'disk',
    failure: 'plugin',
  })
  const j = joinErrors('DEL', [one, two])
  t.equal(j.failure, 'joined')
  t.equal(j.code, 11)
  t.equal(j.pluginType, 'bridge,host-local')
  t.equal(j.message, 'DEL: bridge DEL: busy; host-local DEL: io: disk')
  t.same(j.errors, [one, two])
})
