import { delimiter } from 'node:path'
import t from 'tap'
import { firstPath } from '../../src/config/paths.js'

t.test('the first non-empty entry of a path list', async (t) => {
  t.equal(firstPath(undefined), undefined)
  t.equal(firstPath('/a/config'), '/a/config')
  t.equal(firstPath(`${delimiter} /a ${delimiter}/b`), '/a')
  t.equal(firstPath(delimiter), undefined)
})
