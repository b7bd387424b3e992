import t from 'tap'
import { callerNode, isAgent, NODE_NAME_EXTRA } from '../../src/admission/identity.js'

const agent = {
  users: ['agent-user'],
  groups: ['multinet:agents'],
  serviceAccounts: ['multinet-system/multinet-agent'],
  requireSameNode: true,
}

t.test('agent identities: user, group, service account', async (t) => {
  t.ok(isAgent({ username: 'agent-user' }, agent))
  t.ok(isAgent({ username: 'x', groups: ['a', 'multinet:agents'] }, agent))
  t.ok(isAgent({ username: 'system:serviceaccount:multinet-system:multinet-agent' }, agent))
  t.notOk(isAgent({ username: 'system:serviceaccount:other:multinet-agent' }, agent))
  t.notOk(isAgent({ username: 'alice', groups: ['system:authenticated'] }, agent))
  t.notOk(isAgent({}, agent), 'anonymous without a name is nobody')
  t.notOk(isAgent({ username: '' }, { ...agent, users: [''] }), 'an empty name never matches')
})

t.test('caller node from token extra or node username', async (t) => {
  t.equal(callerNode({ extra: { [NODE_NAME_EXTRA]: ['node-a'] } }), 'node-a')
  t.equal(callerNode({ username: 'system:node:node-b' }), 'node-b')
  t.equal(callerNode({ username: 'alice' }), undefined)
  t.equal(callerNode({}), undefined)
})
