import t from 'tap'
import { runCommand } from '../../../src/cli/kubectl/session.js'
import { MultinetError } from '../../../src/errors.js'
import { captureIo } from '../../fixtures/cli/io.js'
import { startWorld } from './fixtures/world.js'

const spec = { name: 'x', usage: 'multinet x', intro: 'X.', keys: [], positionals: 0 }

t.test('one error path: usage 2, configuration 2, cluster and the unexpected 3', async (t) => {
  const { env } = await startWorld(t)
  const run = async (fail: unknown) => {
    const io = captureIo('', process.cwd(), env)
    const code = await runCommand(spec, [], io.io, async () => {
      throw fail
    })
    return [code, io.stderr()]
  }
  t.same(await run(new MultinetError('MN_ERR_USAGE', 'bad')), [2, 'error: bad\n'])
  t.same(await run(new MultinetError('MN_ERR_KUBE_API', 'x')), [
    3,
    'error: Kubernetes API call failed: x\n',
  ])
  t.same(await run(new Error('boom')), [3, 'error: boom\n'])
  const io = captureIo('', process.cwd(), env)
  t.equal(await runCommand(spec, ['--page-size', '0'], io.io, async () => 0), 2)
  t.match(
    io.stderr(),
    /^error: invalid configuration: pageSize = "0" from flag --page-size: must be >= 1/,
  )
})

t.test('the session: settings, the namespace, warnings on stderr', async (t) => {
  const { env } = await startWorld(t)
  const io = captureIo('', process.cwd(), env)
  const code = await runCommand(spec, ['-n', 'lab'], io.io, async (s) => {
    t.equal(s.conn.namespace, 'lab')
    t.equal(s.pageSize, 500)
    t.equal(s.options.policyNamespace, 'multinet-system')
    s.warn('careful')
    return 7
  })
  t.equal(code, 7)
  t.equal(io.stderr(), 'warning: careful\n')
})
