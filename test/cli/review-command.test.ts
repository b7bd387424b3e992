import t from 'tap'
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import { reviewCommand } from '../../src/cli/review-command.js'
import { captureIo, withoutCoverage } from '../fixtures/cli/io.js'

const run = async (argv: string[], stdin = '') => {
  const c = captureIo(stdin)
  const code = await reviewCommand(argv, c.io)
  return { code, out: c.stdout(), err: c.stderr() }
}
const STATE = ['--state', 'examples/state']

t.test('example pods get the decision the README promises', async (t) => {
  const cases: [string, number, RegExp][] = [
    ['examples/pods/web-bridge.yaml', 0, /Pod default\/web: ALLOWED/],
    ['examples/pods/nfv-sriov.yaml', 0, /intel\.com\/sriov_netdevice: 2/],
    [
      'examples/pods/bad-annotation.yaml',
      1,
      /selection\.ips[\s\S]*selection\.mac[\s\S]*selection\.name/,
    ],
    ['examples/pods/missing-nad.yaml', 1, /default\/bridge-nett does not exist/],
    ['examples/pods/cross-namespace.yaml', 1, /DENIED by isolation/],
    ['examples/pods/data-plane-not-vrouter.yaml', 1, /DENIED by rule\/data-plane-vnfs/],
    ['examples/pods/storage-client.yaml', 0, /"storage" is a global namespace/],
  ]
  for (const [file, code, text] of cases) {
    const r = await run(['-f', file, ...STATE, '-o', 'text'])
    t.equal(r.code, code, `${file} exit code`)
    t.match(r.out, text, file)
  }
})

t.test('example NADs', async (t) => {
  const good = await run(['-f', 'examples/nads/good-conflist-without-name.yaml', '-o', 'text'])
  t.equal(good.code, 0)
  const bad = await run(['-f', 'examples/nads/bad-config.yaml'])
  t.equal(bad.code, 1)
  const review = JSON.parse(bad.out)
  t.equal(review.response.allowed, false)
  t.match(review.response.status.message, /plugins\[1\]\.type/)
  t.match(review.response.status.message, /resourceName/)
})

t.test(
  'json output for a pod carries the validation decision and the mutation patch',
  async (t) => {
    const r = await run(['-f', 'examples/reviews/pod-create.json', ...STATE])
    t.equal(r.code, 0, r.err)
    const review = JSON.parse(r.out)
    t.equal(review.response.uid, '0d8f5c1e-4b7a-4c1e-9a53-6a1f2f3d0c01')
    t.equal(review.response.patchType, 'JSONPatch')
    const ops = JSON.parse(Buffer.from(review.response.patch, 'base64').toString())
    t.ok(ops.some((o: { path: string }) => o.path.startsWith('/spec/containers/0/resources')))
  },
)

t.test('single endpoints and stdin', async (t) => {
  const text = await readFile('examples/reviews/pod-create.json', 'utf8')
  const v = await run(['--endpoint', 'validate', ...STATE], text)
  t.equal(v.code, 0)
  t.equal(JSON.parse(v.out).response.patch, undefined, 'validate never patches')
  const m = await run(['--endpoint', 'mutate', '-f', '-', ...STATE], text)
  t.equal(m.code, 0)
  t.ok(JSON.parse(m.out).response.patch)
})

t.test('a forged network-status is refused; the agent identity may write it', async (t) => {
  const forged = await run([
    '-f',
    'examples/reviews/pod-forged-status.json',
    ...STATE,
    '-o',
    'text',
  ])
  t.equal(forged.code, 1)
  t.match(forged.out, /pod\.network-status-forged/)
})

t.test('bare objects are wrapped with the chosen user and namespace', async (t) => {
  const pod =
    'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: i}]}\n'
  const r = await run(['--namespace', 'telco', '--user', 'bob', '--group', 'g1', ...STATE], pod)
  t.equal(r.code, 0)
  t.equal(JSON.parse(r.out).response.uid, 'review-pod')
})

t.test('bad input exits 2 with a message that says what and where', async (t) => {
  const cases: [string[], string, RegExp][] = [
    [['-f', 'missing.yaml'], '', /cannot read missing\.yaml/],
    [[], '{bad', /stdin: request body is not valid JSON: .*position 1/],
    [[], 'a: [b', /stdin: line \d+, column \d+/],
    [[], '', /stdin: no document found|expected an object/],
    [[], 'a: 1\n---\nb: 2\n', /2 documents; give one/],
    [[], '- 1\n', /expected an object/],
    [[], 'kind: Service\n', /cannot review kind "Service"/],
    [[], '{}', /cannot review kind null/],
    [['-o', 'yaml'], '', /-o must be json or text/],
    [['--endpoint', 'x'], '', /--endpoint must be both, validate or mutate/],
    [['--bogus'], '', /unknown option --bogus/],
    [['--podnetinfo=maybe'], '', /podnetinfo/],
    [['--state', 'no-such-dir'], 'kind: Pod\nmetadata: {name: p}\n', /no-such-dir/],
    [
      [],
      JSON.stringify({ kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1' }),
      /request must be an object/,
    ],
  ]
  for (const [argv, stdin, message] of cases) {
    const r = await run(argv, stdin)
    t.equal(r.code, 2, `${argv.join(' ')} ${stdin.slice(0, 20)}`)
    t.match(r.err, message)
    t.equal(r.out, '')
  }
})

t.test('--help documents the options', async (t) => {
  const r = await run(['--help'])
  t.equal(r.code, 0)
  for (const flag of [
    '--file',
    '--state',
    '--output',
    '--endpoint',
    '--policy-namespace',
    'Exit status',
  ]) {
    t.match(r.out, flag)
  }
})

t.test('the real command, as a child process', async (t) => {
  const exec = (cmd: string, args: string[]) =>
    promisify(execFile)(cmd, args, { env: withoutCoverage(process.env) })
  const ok = await exec('node', [
    'bin/multinet.js',
    'review',
    '-f',
    'examples/pods/nfv-sriov.yaml',
    '--state',
    'examples/state',
    '-o',
    'text',
  ])
  t.match(ok.stdout, /Pod telco\/vrouter: ALLOWED/)
  const denied = await exec('node', [
    'bin/multinet.js',
    'review',
    '-f',
    'examples/pods/cross-namespace.yaml',
    '--state',
    'examples/state',
  ]).catch((e: { code: number; stdout: string }) => e)
  t.equal((denied as { code: number }).code, 1)
  t.equal(JSON.parse((denied as { stdout: string }).stdout).response.status.code, 403)
})

// Issue 11 #12: the webhook's input limit and admission options, so that the answer is its own.
t.test('input over the webhook body limit is refused unread', async (t) => {
  const dir = t.testdir({})
  const big = `${dir}/big.yaml`
  const { truncate, writeFile } = await import('node:fs/promises')
  await writeFile(big, '')
  await truncate(big, 50 * 1024 * 1024) // sparse: refused by its size, never read
  const r = await run(['-f', big])
  t.equal(r.code, 2)
  t.match(r.err, /big\.yaml is 52428800 bytes; the webhook refuses bodies over 4194304 bytes/)
  const small = await run([
    '-f',
    'examples/reviews/pod-create.json',
    '--body-limit-bytes',
    '65536',
    ...STATE,
  ])
  t.equal(small.code, 0, 'a lower limit that the file fits in')
  const stdin = await run(['--body-limit-bytes', '65536'], 'x'.repeat(70_000))
  t.equal(stdin.code, 2)
  t.match(stdin.err, /stdin is more than 65536 bytes/)
})

t.test("admission options change the answer as they change the webhook's", async (t) => {
  const ops = async (argv: string[]) => {
    const r = await run(['-f', 'examples/reviews/pod-create.json', ...STATE, ...argv])
    t.equal(r.code, 0, argv.join(' '))
    const patch = (JSON.parse(r.out) as { response: { patch?: string } }).response.patch
    return patch === undefined ? '' : Buffer.from(patch, 'base64').toString()
  }
  const plain = await ops([])
  t.match(plain, /podnetinfo/)
  t.match(plain, /intel\.com\/sriov_netdevice/)
  t.notMatch(await ops(['--no-podnetinfo']), /podnetinfo/)
  t.notMatch(await ops(['--resource-name-keys', 'example.com/other']), /sriov_netdevice/)
  const dir = t.testdir({ 'webhook.yaml': 'podnetinfo: false\nport: 9443\n' })
  t.notMatch(
    await ops(['--config', `${dir}/webhook.yaml`]),
    /podnetinfo/,
    'the webhook config file',
  )
  const c = captureIo('', process.cwd(), { MULTINET_PODNETINFO: 'false' })
  await reviewCommand(['-f', 'examples/reviews/pod-create.json', ...STATE], c.io)
  t.notMatch(Buffer.from(JSON.parse(c.stdout()).response.patch, 'base64').toString(), /podnetinfo/)

  // Agent identities: the forged-status example is allowed once its user is the agent.
  const forged = 'examples/reviews/pod-forged-status.json'
  const review = JSON.parse(await readFile(forged, 'utf8')) as {
    request: { userInfo: { username: string } }
  }
  const user = review.request.userInfo.username
  t.equal((await run(['-f', forged, ...STATE, '--endpoint', 'validate'])).code, 1)
  const asAgent = await run([
    '-f',
    forged,
    ...STATE,
    '--endpoint',
    'validate',
    '--agent-users',
    user,
    '--no-agent-require-same-node',
  ])
  t.equal(asAgent.code, 0, asAgent.out + asAgent.err)
})

t.test('hostile YAML is a usage error naming the input, never a crash', async (t) => {
  const uses = Array.from({ length: 1_500 }, () => '  - *a').join('\n')
  const bomb = `kind: Pod\nmetadata: {name: p}\nx: &a [1]\ny:\n${uses}\n`
  const cases: [string, RegExp][] = [
    [bomb, /^multinet review: stdin: Excessive alias count .*\(at most 1000 alias expansions\)/],
    ['kind: Pod\nx: *nowhere\n', /^multinet review: stdin: /],
    [`kind: Pod\nx: ${'['.repeat(50_000)}`, /stdin: YAML nested more than 64 levels deep/],
    [
      `{"kind":${'['.repeat(5_000)}`,
      /stdin: request body is not valid JSON: nested more than 128 levels/,
    ],
    ['{"kind":"Pod","\\u005f_proto__":{}}', /the key "__proto__" is not allowed/],
  ]
  for (const [stdin, message] of cases) {
    const r = await run([], stdin)
    t.equal(r.code, 2, message.source)
    t.match(r.err, message)
  }
  const dir = t.testdir({ 'bomb.yaml': bomb })
  const named = await run(['-f', `${dir}/bomb.yaml`])
  t.equal(named.code, 2)
  t.match(named.err, /bomb\.yaml: Excessive alias count/)
})
