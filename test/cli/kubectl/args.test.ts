import t from 'tap'
import {
  expandArgs,
  parseCommand,
  tableFor,
  type CommandSpec,
} from '../../../src/cli/kubectl/args.js'
import type { OptionSpec } from '../../../src/config/define.js'

const spec: CommandSpec = {
  name: 'pods',
  usage: 'multinet pods',
  intro: 'Pods.',
  keys: ['output', 'noHeaders', 'filename'],
  positionals: 1,
}
const table = tableFor(spec) as Readonly<Record<string, OptionSpec>>

t.test("kubectl's short forms become the table's long flags; positionals apart", async (t) => {
  t.same(expandArgs(['-n', 'app', '-A', '-owide', '-l=app=web', 'pod/x', '-f', '-'], table), {
    args: [
      '--namespace=app',
      '--all-namespaces',
      '--output=wide',
      '--selector=app=web',
      '--filename=-',
    ],
    positionals: ['pod/x'],
  })
  t.same(expandArgs(['-napp', '--context', 'c', '--no-headers', '--', '-x'], table), {
    args: ['--namespace=app', '--context', 'c', '--no-headers'],
    positionals: ['-x'],
  })
  t.same(expandArgs(['-h'], table).args, ['--help'])
  t.throws(() => expandArgs(['-z'], table), {
    code: 'MN_ERR_USAGE',
    message: 'unknown option -z; see --help',
  })
  t.throws(() => expandArgs(['-Ax'], table), { message: '-A takes no value' })
  t.throws(() => expandArgs(['-n'], table), { message: '-n needs a value' })
  // -p is no short form of ours; --policy is not in this command's table.
  t.throws(() => expandArgs(['-p', 'x'], table), { message: 'unknown option -p; see --help' })
})

t.test('settings: flags over env, defaults for what a command does not take', async (t) => {
  const parsed = parseCommand(spec, ['-n', 'app', 'pod/web', '-o', 'json'], {
    MULTINET_CONTEXT: 'from-env',
  })
  if (parsed.kind !== 'run') throw new Error('expected run')
  t.equal(parsed.settings.namespace, 'app')
  t.equal(parsed.settings.context, 'from-env')
  t.equal(parsed.settings.output, 'json')
  t.same(parsed.settings.policy, [], 'not an option of this command: its default')
  t.equal(parsed.settings.pageSize, 500)
  t.same(parsed.positionals, ['pod/web'])
  t.ok(Object.isFrozen(parsed.settings))
})

t.test('help, and mistakes that say what to type', async (t) => {
  const help = parseCommand(spec, ['--help'], {})
  if (help.kind !== 'help') throw new Error('expected help')
  t.match(help.text, /^Usage: multinet pods\n\nPods\.\n/)
  t.match(help.text, /--all-namespaces, --no-all-namespaces\n {6}\(-A\) Look in every namespace\./)
  t.notMatch(help.text, /--policy /)
  t.throws(() => parseCommand(spec, ['a', 'b'], {}), {
    code: 'MN_ERR_USAGE',
    message: "unexpected argument 'b' (see --help)",
  })
  t.throws(() => parseCommand(spec, ['-o', 'xml'], {}), { code: 'MN_ERR_CONFIG_INVALID' })
  t.throws(() => parseCommand(spec, ['--namspace', 'x'], {}), {
    message: /did you mean --namespace/,
  })
})
