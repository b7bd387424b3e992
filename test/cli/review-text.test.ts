/**
 * `multinet review -o text` on the multi-tenant example (examples/tenants): the decisions an
 * administrator sees for isolated, joined and admin tenants, each network listed once.
 */
import { readFileSync } from 'node:fs'
import t from 'tap'
import { foldInjected } from '../../src/cli/review-text.js'
import { reviewCommand } from '../../src/cli/review-command.js'
import { captureIo } from '../fixtures/cli/io.js'
import { readFixture } from '../fixtures/policy/helpers.js'

const STATE = ['--state', 'examples/tenants/state']
const review = async (pod: string) => {
  const c = captureIo('')
  const code = await reviewCommand(
    ['-f', `examples/tenants/pods/${pod}`, ...STATE, '-o', 'text'],
    c.io,
  )
  return { code, out: c.stdout() }
}

/** The decision lines, one per network: `network (origin): verdict`. */
const decisions = (out: string): string[] =>
  out
    .split('\n')
    .filter((l) => /^ {2}\S+\/\S+ \(/.test(l))
    .map((l) => l.trim().replace(/: (allowed by [^\s:]+|DENIED by [^\s:]+ \[\w+\]).*$/, ': $1'))

t.test('the example policy is the documented one', async (t) => {
  const policy = readFileSync('examples/tenants/state/policy.yaml', 'utf8')
  for (const f of [
    'tenant-locked.yaml',
    'tenants-isolated.yaml',
    'tenants-joined.yaml',
    'tenants-admin.yaml',
  ])
    t.ok(policy.includes(readFixture(f)), f)
})

t.test('isolated, joined and admin tenants, as review -o text shows them', async (t) => {
  const cases: [string, number, string[]][] = [
    [
      'red-plain.yaml',
      0,
      ['tenant-nets/red (tenant red, injected as tenant0): allowed by tenant/red'],
    ],
    [
      'red-to-blue.yaml',
      1,
      [
        'tenant-nets/blue (networks[0]): DENIED by tenant/red [enforce]',
        'tenant-nets/red (tenant red): allowed by tenant/red',
      ],
    ],
    [
      'green-to-yellow.yaml',
      0,
      [
        'tenant-nets/yellow (networks[0]): allowed by tenant/green',
        'tenant-nets/green (tenant green, injected as net2): allowed by tenant/green',
      ],
    ],
    [
      'reporting-to-yellow.yaml',
      1,
      ['tenant-nets/yellow (networks[0]): DENIED by tenant/reporting [enforce]'],
    ],
    [
      'ops-everywhere.yaml',
      0,
      [
        'tenant-nets/red (networks[0]): allowed by admin/ops',
        'tenant-nets/blue (networks[1]): allowed by admin/ops',
      ],
    ],
    [
      'monitoring-to-blue.yaml',
      1,
      ['tenant-nets/blue (networks[0]): DENIED by rule/no-monitoring-on-blue [enforce]'],
    ],
    [
      'red-to-services.yaml',
      0,
      [
        'ops/services (networks[0]): allowed by admin/shared-services',
        'tenant-nets/red (tenant red, injected as tenant0): allowed by tenant/red',
      ],
    ],
    [
      'globex-own-net2.yaml',
      0,
      [
        'globex-api/own (networks[0]): allowed by isolation',
        'tenants/globex-net (tenant globex, injected as net3): allowed by tenant/globex',
      ],
    ],
  ]
  for (const [pod, code, expected] of cases) {
    const r = await review(pod)
    t.equal(r.code, code, `${pod}: exit code`)
    t.same(decisions(r.out), expected, `${pod}: one line per network`)
  }
})

t.test('the own@net2 pod is patched with the injected network on net3', async (t) => {
  const r = await review('globex-own-net2.yaml')
  t.match(
    r.out,
    /\\"name\\":\\"globex-net\\",\\"namespace\\":\\"tenants\\",\\"interface\\":\\"net3\\"/,
  )
  t.notMatch(r.out, /tenant network tenants\/globex-net added as/, 'folded into the decision')
})

t.test('folding: the injection line joins its decision; other lines stay', async (t) => {
  t.same(
    foldInjected([
      'a/x (networks[0]): allowed by isolation: own',
      't/n (networks[1]): allowed by tenant/t: why',
      't/n (tenant t): allowed by tenant/t: why',
      'tenant network t/n added as net2 (tenant policy)',
      'tenant network t/m added as net3 (tenant policy)',
      'podnetinfo: mounted',
    ]),
    [
      'a/x (networks[0]): allowed by isolation: own',
      't/n (tenant t, injected as net2): allowed by tenant/t: why',
      'tenant network t/m added as net3 (tenant policy)',
      'podnetinfo: mounted',
    ],
  )
  t.same(foldInjected(['x/y (tenant t): DENIED by rule/r [enforce]: no']), [
    'x/y (tenant t): DENIED by rule/r [enforce]: no',
  ])
})
