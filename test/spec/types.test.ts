import t from 'tap'
import { nadKey, networkKey } from '../../src/spec/types.js'

t.test('NADs and references to them are keyed namespace/name', async (t) => {
  t.equal(nadKey('team-a', 'br'), 'team-a/br')
  t.equal(networkKey({ namespace: 'a', name: 'b' }), 'a/b')
})
