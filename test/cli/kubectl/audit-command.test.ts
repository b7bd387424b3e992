import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { stringify } from 'yaml'
import { auditCommand } from '../../../src/cli/kubectl/audit-command.js'
import { policyConfigMap, runIn, startWorld } from './fixtures/world.js'

t.test('live policy: nobody refused, exit 0; a proposal that refuses: exit 1', async (t) => {
  const { api, env, dir } = await startWorld(t)
  const live = await runIn(auditCommand, [], env, dir)
  t.equal(live.code, 0)
  t.equal(
    live.stdout,
    'Audited 3 pods against policy ConfigMaps 10-base (live).\nNo pod would be refused.\n',
  )
  writeFileSync(
    join(dir, 'p.yaml'),
    stringify(policyConfigMap('10-base', 'globalNamespaces: [default]\n')),
  )
  const r = await runIn(auditCommand, ['--policy', 'p.yaml'], env, dir)
  t.equal(r.code, 1)
  t.match(
    r.stdout,
    /^Audited 3 pods against policy ConfigMaps 10-base \(proposed: 10-base from p\.yaml\)\.\n2 pods would be refused, 2 of them \(new\) admitted by the live policy\.\n\nisolation \[enforce\]: 2 pods would be REFUSED\n {2}app\/web \(new\): /,
  )
  const yaml = await runIn(
    auditCommand,
    ['--policy', 'p.yaml', '-o', 'yaml', '-n', 'lab', '-l', 'app=dev'],
    env,
    dir,
  )
  t.equal(yaml.code, 1)
  t.match(yaml.stdout, /kind: AuditReport\n/)
  t.match(yaml.stdout, /checked: 1\nrefused: 1\n/)
  t.ok(
    api.requests.some(
      (p) => p.startsWith('/api/v1/namespaces/lab/pods?') && p.includes('labelSelector=app%3Ddev'),
    ),
  )
  // Without any policy ConfigMap: the built-in default decides (isolation).
  api.lists.set('/api/v1/namespaces/multinet-system/configmaps', [])
  const bare = await runIn(auditCommand, ['-o', 'json'], env, dir)
  t.same(JSON.parse(bare.stdout).policy, { sources: [], proposed: [] })
  const text = await runIn(auditCommand, [], env, dir)
  t.match(text.stdout, /^Audited 3 pods against the built-in default policy \(live\)\.\n/)
  api.forbidden.add('/api/v1/namespaces')
  const limited = await runIn(auditCommand, [], env, dir)
  t.match(limited.stderr, /^warning: context "fake" may not list namespaces/)
  const wide = await runIn(auditCommand, ['-o', 'wide'], env, dir)
  t.equal(wide.code, 2)
  t.equal(wide.stderr, 'error: -o must be text, json or yaml for audit, not "wide"\n')
})
