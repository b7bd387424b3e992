import t from 'tap'
import { labelKeyProblem, labelValueProblem } from '../../src/policy/label-syntax.js'

t.test('valid label keys', async (t) => {
  for (const key of ['app', 'App_1.x-y', 'multinet.io/plane', 'a.b.c/d', 'x'.repeat(63)]) {
    t.equal(labelKeyProblem(key), undefined, key)
  }
})

t.test('invalid label keys say which part is wrong', async (t) => {
  t.match(labelKeyProblem('a/b/c'), /at most one "\/"/)
  t.match(labelKeyProblem('Example.com/x'), /prefix .* DNS subdomain/)
  t.match(labelKeyProblem('/x'), /prefix/)
  t.match(labelKeyProblem(`${'a'.repeat(254)}/x`), /prefix/)
  t.match(labelKeyProblem('example.com/'), /must not be empty/)
  t.match(labelKeyProblem(''), /must not be empty/)
  t.match(labelKeyProblem('x'.repeat(64)), /at most 63 characters \(has 64\)/)
  t.match(labelKeyProblem('-app'), /starts and ends with a letter or digit/)
  t.match(labelKeyProblem('app name'), /letters, digits/)
})

t.test('label values: empty is valid, the rest follows the name rule', async (t) => {
  for (const v of ['', 'true', 'v1.2_3-x']) t.equal(labelValueProblem(v), undefined, v)
  t.match(labelValueProblem('v'.repeat(64)), /at most 63/)
  t.match(labelValueProblem('-x'), /starts and ends/)
  t.match(labelValueProblem('a b'), /letters, digits/)
})
