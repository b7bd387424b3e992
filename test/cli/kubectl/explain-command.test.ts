import { join } from 'node:path'
import t from 'tap'
import { explainCommand } from '../../../src/cli/kubectl/explain-command.js'
import { runIn, startWorld } from './fixtures/world.js'

const manifest = JSON.stringify({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'new', annotations: { 'k8s.v1.cni.cncf.io/networks': 'infra/shared' } },
  spec: { containers: [{ name: 'c', image: 'x' }] },
})

t.test('explain pod/NAME and -f against the live objects', async (t) => {
  const { env, dir } = await startWorld(t)
  const r = await runIn(explainCommand, ['pod/web'], env)
  t.equal(r.code, 0)
  t.match(
    r.stdout,
    /^Pod app\/web: ALLOWED\ndecisions:\n {2}infra\/shared \(networks\[0\]\): allowed by isolation/,
  )
  const lab = await runIn(explainCommand, ['po/dev', '-n', 'lab', '-o', 'json'], env)
  t.equal(JSON.parse(lab.stdout).response.allowed, true)
  const stdin = await runIn(explainCommand, ['-f', '-'], env, dir, manifest)
  t.match(stdin.stdout, /^Pod app\/new: ALLOWED\n/)
  const { writeFileSync } = await import('node:fs')
  writeFileSync(join(dir, 'pod.json'), manifest.replace('infra/shared', 'infra/nope'))
  const missing = await runIn(explainCommand, ['-f', 'pod.json', '-n', 'lab'], env, dir)
  t.equal(missing.code, 1)
  t.match(missing.stdout, /^Pod lab\/new: DENIED\n/)
  t.match(missing.stdout, /NetworkAttachmentDefinition infra\/nope does not exist; create it first/)
})

t.test('bad input: exit 2 with what to give', async (t) => {
  const { env, dir } = await startWorld(t)
  for (const [args, message] of [
    [[], 'give either pod/NAME or -f FILE (see --help)'],
    [['pod/a', '-f', 'x'], 'give either pod/NAME or -f FILE (see --help)'],
    [
      ['svc/a'],
      '"svc/a": name a pod as pod/NAME (explain answers for pods; give other objects with -f)',
    ],
    [['pod/a', '-o', 'yaml'], '-o must be text or json for explain, not "yaml"'],
  ] as const) {
    const r = await runIn(explainCommand, [...args], env, dir)
    t.equal(r.code, 2, args.join(' '))
    t.equal(r.stderr, `error: ${message}\n`)
  }
  const unreadable = await runIn(explainCommand, ['-f', 'nope.yaml'], env, dir)
  t.equal(unreadable.code, 2)
  t.match(unreadable.stderr, /^error: cannot read nope\.yaml: ENOENT/)
  const gone = await runIn(explainCommand, ['pod/gone'], env, dir)
  t.equal(gone.code, 3)
  t.equal(
    gone.stderr,
    'error: not found: pod gone in namespace app (list them with: kubectl get pods -n app; another namespace: -n NS)\n',
  )
})
