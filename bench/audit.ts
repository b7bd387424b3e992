/**
 * `multinet audit` on a real kube-apiserver + etcd holding thousands of pods: how long the
 * audit takes and how much memory it needs, at two cluster sizes, so that "bounded memory" is a
 * measurement (peak RSS barely moves while the pod count grows five-fold: pods are read page by
 * page, only refusals are kept). The audit runs as its own process (`bin/multinet.js audit`),
 * timed and measured by /usr/bin/time; the pods are created through the API with a bounded
 * number of requests in flight.
 *
 *   MULTINET_E2E_BIN=<dir> node --import tsx bench/audit.ts [sizes...]   (default 2000 10000)
 *
 * Every 10th namespace loses access under the proposed policy, so 10 % of the pods are refused
 * and kept in the report.
 */
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { stringify } from 'yaml'
import { startControlPlane } from '../test/e2e/control-plane.js'
import { createNad } from '../test/fixtures/e2e/kube.js'
import { NAD } from '../test/e2e/crd.js'

const sizes = process.argv.slice(2).map(Number)
const SIZES = sizes.length > 0 ? sizes : [2000, 10_000]
const NAMESPACES = 50
const IN_FLIGHT = 32
const HEAP_CAP_MIB = 64
const POLICY_NS = 'multinet-system'
const BIN = join(import.meta.dirname, '../bin/multinet.js')

const cp = await startControlPlane()
const dir = mkdtempSync(join(tmpdir(), 'multinet-bench-audit-'))
try {
  const admin = cp.kubeConfig('admin')
  const core = admin.makeApiClient(CoreV1Api)
  for (const ns of [POLICY_NS, 'infra', ...teams()]) {
    await core.createNamespace({ body: { metadata: { name: ns, labels: { tier: 'bench' } } } })
  }
  for (const name of ['storage', 'data']) {
    await createNad(admin, 'infra', {
      apiVersion: NAD.apiVersion,
      kind: NAD.kind,
      metadata: { name },
      spec: { config: JSON.stringify({ cniVersion: '1.0.0', name, type: 'bridge' }) },
    })
  }
  const policy = (name: string, text: string) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: POLICY_NS, labels: { 'multinet.io/policy': 'true' } },
    data: { 'policy.yaml': `apiVersion: multinet.io/v1alpha1\n${text}` },
  })
  await core.createNamespacedConfigMap({
    namespace: POLICY_NS,
    body: policy('10-base', 'globalNamespaces: [default, infra]\n'),
  })
  // The proposal reserves infra/data to every team but each 10th.
  const allowed = teams().filter((_, i) => i % 10 !== 0)
  const proposed = join(dir, 'proposed.yaml')
  writeFileSync(
    proposed,
    stringify(
      policy(
        '10-base',
        `globalNamespaces: [default, infra]
rules:
  - name: data-plane
    action: allow
    networks: { names: [infra/data] }
    from: { namespaces: { names: [${allowed.join(', ')}] } }
`,
      ),
    ),
  )

  let created = 0
  const results: string[] = []
  // Peak RSS shows how far V8 lets garbage pile up before collecting, not what the audit keeps;
  // the last run repeats the largest size with the old generation capped, to show it needs
  // no more than that.
  const runs = [
    ...SIZES.map((size) => ({ size, cap: 0 })),
    { size: SIZES.at(-1) ?? 0, cap: HEAP_CAP_MIB },
  ]
  for (const { size, cap } of runs) {
    const heapCap = cap > 0 ? [`--max-old-space-size=${cap}`] : []
    const started = Date.now()
    if (size > created) await createPods(core, created, size)
    const createSeconds = (Date.now() - started) / 1000
    created = Math.max(created, size)
    const run = await timed([
      ...heapCap,
      BIN,
      'audit',
      '--policy',
      proposed,
      '--kubeconfig',
      cp.kubeconfigFor('admin'),
      '-o',
      'json',
    ])
    const report = JSON.parse(run.stdout) as { checked: number; refused: number }
    const line =
      `${size} pods (created in ${createSeconds.toFixed(1)} s)${cap > 0 ? `, old space capped at ${cap} MiB` : ''}: audit ${run.seconds.toFixed(2)} s wall, ` +
      `peak RSS ${(run.maxRssKiB / 1024).toFixed(0)} MiB, checked ${report.checked}, refused ${report.refused}, exit ${run.code}`
    console.log(line)
    results.push(line)
  }
  const stats = cp.stats()
  console.log(
    `apiserver RSS ${((stats.apiserverRssKiB ?? 0) / 1024).toFixed(0)} MiB, etcd RSS ${((stats.etcdRssKiB ?? 0) / 1024).toFixed(0)} MiB`,
  )
} finally {
  await cp.stop()
  rmSync(dir, { recursive: true, force: true })
}

function teams(): string[] {
  return Array.from({ length: NAMESPACES }, (_, i) => `team-${String(i).padStart(2, '0')}`)
}

/** Pods `from` .. `to - 1`, spread over the team namespaces, a bounded number in flight. */
async function createPods(core: CoreV1Api, from: number, to: number): Promise<void> {
  let next = from
  const worker = async (): Promise<void> => {
    while (next < to) {
      const i = next++
      await core.createNamespacedPod({ namespace: teams()[i % NAMESPACES] as string, body: pod(i) })
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
}

function pod(i: number): V1Pod {
  return {
    metadata: {
      name: `app-${i}`,
      labels: { app: `app-${i % 100}`, tier: 'bench' },
      annotations: {
        'k8s.v1.cni.cncf.io/networks': i % 2 === 0 ? 'infra/data' : 'infra/storage,infra/data',
      },
    },
    spec: {
      nodeName: `node-${i % 20}`,
      containers: [
        {
          name: 'app',
          image: 'registry.example/app:1',
          resources: { requests: { cpu: '10m', memory: '16Mi' } },
          env: [{ name: 'INDEX', value: String(i) }],
        },
      ],
    },
  }
}

/** Runs node with `args` under /usr/bin/time: wall seconds and the child's peak RSS. */
async function timed(
  args: string[],
): Promise<{ stdout: string; seconds: number; maxRssKiB: number; code: number }> {
  const exec = promisify(execFile)
  const out = await exec('/usr/bin/time', ['-f', 'TIME %e %M', 'node', ...args], {
    maxBuffer: 256 * 1024 * 1024,
  }).catch((err: { stdout: string; stderr: string; code: number }) => err)
  const m = /TIME ([\d.]+) (\d+)/.exec(out.stderr)
  if (!m) throw new Error(`no measurement: ${out.stderr.slice(-2000)}`)
  return {
    stdout: out.stdout,
    seconds: Number(m[1]),
    maxRssKiB: Number(m[2]),
    code: 'code' in out && typeof out.code === 'number' ? out.code : 0,
  }
}
