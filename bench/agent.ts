/**
 * `npm run bench:agent` (root): what the agent adds on the pod-sandbox path.
 *
 *   direct   the runtime's own path without Multinet: exec the bridge plugin (ADD, then DEL
 *            with prevResult), as containerd would;
 *   shim     the same primary network through Multinet: the shim single executable -> the
 *            agent over its unix socket -> the bridge plugin, with the pod read from a real
 *            kube-apiserver and network-status written back to it;
 *   socket   the agent alone: this process sends the shim's request over the socket itself
 *            (with the shim's own client, `expect: 100-continue` on ADD), as the shim does
 *            once it has started, so shim+agent minus socket is the shim's process.
 *
 * Each runs sequentially over 100 pods and then 20 pods at once, the three interleaved pod by
 * pod (batch by batch) in rotating order so that the noise of a shared machine hits them alike;
 * it reports ADD and DEL latency (p50/p99), the overhead per attachment (shim+agent and the
 * agent alone, each minus direct), the shim's start time (and `multinet cni` through Node for
 * comparison), and the agent's RSS with 100 pods attached. Pod netns, the
 * bridge (10.254.0.0/16) and every reservation live only in namespaces and links this script
 * makes, and it removes them on the way out. Numbers go in docs/benchmarks.md, never in tests.
 *
 *   npm run bench:agent [-- --pods 100 --concurrent 20 --out bench/results/agent-DATE.json]
 */
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { CoreV1Api } from '@kubernetes/client-node'
import { agentRequest } from '../src/agent/shim/http.js'
import { CNI_ENV_KEYS, CNI_ROUTE } from '../src/agent/protocol.js'
import { startControlPlane, type ControlPlane } from '../test/e2e/control-plane.js'
import { multinetCommand } from './lib/build.js'
import { freePort } from './lib/ports.js'
import { median } from './lib/report.js'
import { cpuSeconds, rssBytes } from './lib/proc.js'

const PLUGINS = '/usr/lib/cni'
const NODE = 'mnbench-node'

interface Args {
  pods: number
  concurrent: number
  out: string
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    pods: 100,
    concurrent: 20,
    out: `bench/results/agent-${new Date().toISOString().slice(0, 10)}.json`,
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const v = argv[++i]
    if (v === undefined) throw new Error(`${a} needs a value`)
    if (a === '--pods') args.pods = Number(v)
    else if (a === '--concurrent') args.concurrent = Number(v)
    else if (a === '--out') args.out = v
    else throw new Error(`unknown option ${a}`)
  }
  return args
}

interface Exec {
  code: number | null
  stdout: string
  stderr: string
  ms: number
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, stdin: string): Promise<Exec> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) =>
      resolve({ code, stdout, stderr, ms: Number(process.hrtime.bigint() - started) / 1e6 }),
    )
    child.stdin.end(stdin)
  })
}

function must(what: string, r: Exec): Exec {
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}): ${r.stdout}${r.stderr}`)
  return r
}

const pct = (values: number[], p: number): number => {
  const s = [...values].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0
}
const stats = (values: number[]): { p50: number; p99: number; n: number } => ({
  p50: pct(values, 50),
  p99: pct(values, 99),
  n: values.length,
})

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 120_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 120 s`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

interface Pod {
  name: string
  uid: string
  netns: string
  containerId: string
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  if (process.getuid?.() !== 0) throw new Error('bench:agent needs root (network namespaces)')
  const id = randomBytes(2).toString('hex')
  const bridge = `mnbenchbr${id}`
  const work = await mkdtemp(join(tmpdir(), 'multinet-bench-agent-'))
  const forward = (await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8')).trim()
  const netnses: string[] = []
  let cp: ControlPlane | undefined
  let agentPid: number | undefined
  const stopAgent: (() => Promise<void>)[] = []
  try {
    console.error('building the shim (scripts/build-shim.sh)')
    const shim = execFileSync('bash', ['scripts/build-shim.sh', join(work, 'shim')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    })
      .trim()
      .split('\n')
      .pop()!

    // Shim start: VERSION is answered by the shim itself, so this is pure process start.
    const versionEnv = { CNI_COMMAND: 'VERSION' }
    const versionIn = JSON.stringify({ cniVersion: '1.0.0' })
    const seaStart: number[] = []
    for (let i = 0; i < 200; i++)
      seaStart.push(must('shim VERSION', await run(shim, [], versionEnv, versionIn)).ms)
    const nodeStart: number[] = []
    for (let i = 0; i < 20; i++) {
      nodeStart.push(
        must(
          'multinet cni VERSION',
          await run(
            'node',
            ['bin/multinet.js', 'cni'],
            { ...process.env, ...versionEnv },
            versionIn,
          ),
        ).ms,
      )
    }

    console.error('starting a control plane')
    cp = await startControlPlane({ crds: true })
    const admin = cp.kubeconfigFor('admin')

    // The node's primary network: a bridge with host-local IPAM, in a subnet only our netns use.
    const confDir = join(work, 'net.d')
    const binDir = join(work, 'bin')
    const stateDir = join(work, 'state')
    await mkdir(confDir, { recursive: true })
    await mkdir(binDir, { recursive: true })
    const primary = {
      cniVersion: '1.0.0',
      name: 'mnbench',
      type: 'bridge',
      bridge,
      isGateway: true,
      ipam: {
        type: 'host-local',
        dataDir: join(work, 'ipam'),
        ranges: [[{ subnet: '10.254.0.0/16' }]],
        routes: [{ dst: '0.0.0.0/0' }],
      },
    }
    await writeFile(join(confDir, '10-mnbench.conf'), JSON.stringify(primary))

    const socket = join(work, 'agent.sock')
    const healthPort = await freePort()
    const [node, runner] = multinetCommand(work)
    const agent = spawn(
      node,
      [
        runner,
        'agent',
        '--node-name',
        NODE,
        '--kubeconfig',
        admin,
        '--socket',
        socket,
        '--cni-bin-dirs',
        `${binDir},${PLUGINS}`,
        '--cni-conf-dir',
        confDir,
        '--state-dir',
        stateDir,
        '--shim-source',
        shim,
        '--health-port',
        String(healthPort),
        '--log-level',
        'warn',
      ],
      { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } },
    )
    agentPid = agent.pid!
    stopAgent.push(async () => {
      if (agent.exitCode !== null) return
      const exited = new Promise((r) => agent.once('exit', r))
      agent.kill('SIGTERM')
      await exited
    })
    await until('agent ready', async () => {
      try {
        const res = await fetch(`http://127.0.0.1:${healthPort}/readyz`)
        return res.status === 200
      } catch {
        return false
      }
    })
    const nodeConf = JSON.parse(await readFile(join(confDir, '00-multinet.conflist'), 'utf8')) as {
      name: string
      cniVersion: string
      plugins: Record<string, unknown>[]
    }
    const shimConf = JSON.stringify({
      ...nodeConf.plugins[0],
      name: nodeConf.name,
      cniVersion: nodeConf.cniVersion,
    })

    // Pods bound to the bench node (no kubelet: they stay Pending, which is all the agent needs).
    const pods: Pod[] = []
    const ns = 'mnbench'
    const core = cp.kubeConfig('admin').makeApiClient(CoreV1Api)
    await core.createNamespace({ body: { metadata: { name: ns } } })
    for (let i = 0; i < args.pods; i++) {
      const created = await core.createNamespacedPod({
        namespace: ns,
        body: {
          metadata: { name: `pod-${i}` },
          spec: {
            nodeName: NODE,
            automountServiceAccountToken: false,
            containers: [{ name: 'c', image: 'busybox' }],
          },
        },
      })
      const uid = created.metadata!.uid!
      const netns = `mnbench-${id}-${i}`
      execFileSync('ip', ['netns', 'add', netns])
      netnses.push(netns)
      pods.push({
        name: `pod-${i}`,
        uid,
        netns,
        containerId: `mnbench${id}${i.toString().padStart(4, '0')}`,
      })
    }
    function env(command: string, pod: Pod, namespace: string): NodeJS.ProcessEnv {
      return {
        CNI_COMMAND: command,
        CNI_CONTAINERID: pod.containerId,
        CNI_NETNS: `/run/netns/${pod.netns}`,
        CNI_IFNAME: 'eth0',
        CNI_PATH: `${binDir}:${PLUGINS}`,
        CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${namespace};K8S_POD_NAME=${pod.name};K8S_POD_INFRA_CONTAINER_ID=${pod.containerId};K8S_POD_UID=${pod.uid}`,
        PATH: process.env.PATH,
      }
    }
    const viaShim = {
      add: async (pod: Pod) =>
        must(`shim ADD ${pod.name}`, await run(shim, [], env('ADD', pod, ns), shimConf)).ms,
      del: async (pod: Pod) =>
        must(`shim DEL ${pod.name}`, await run(shim, [], env('DEL', pod, ns), shimConf)).ms,
    }
    // The shim's exchange without its process: the same request, the same client.
    const overSocket = async (command: 'ADD' | 'DEL', pod: Pod): Promise<number> => {
      const all = env(command, pod, ns)
      const request = {
        env: Object.fromEntries(CNI_ENV_KEYS.flatMap((k) => (all[k] ? [[k, all[k]]] : []))),
        config: JSON.parse(shimConf) as unknown,
      }
      const started = process.hrtime.bigint()
      const reply = await agentRequest({
        socketPath: socket,
        method: 'POST',
        path: CNI_ROUTE,
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(100_000),
        ...(command === 'ADD' && { continueTimeoutMs: 2000 }),
      })
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      if (reply.status !== 200) {
        throw new Error(`socket ${command} ${pod.name}: HTTP ${reply.status} ${reply.body}`)
      }
      return ms
    }
    const viaSocket = {
      add: (pod: Pod) => overSocket('ADD', pod),
      del: (pod: Pod) => overSocket('DEL', pod),
    }
    const results = new Map<string, string>()
    const direct = {
      add: async (pod: Pod) => {
        const r = must(
          `bridge ADD ${pod.name}`,
          await run(join(PLUGINS, 'bridge'), [], env('ADD', pod, ns), JSON.stringify(primary)),
        )
        results.set(pod.name, r.stdout)
        return r.ms
      },
      del: async (pod: Pod) => {
        const prev = JSON.parse(results.get(pod.name) ?? '{}') as unknown
        const conf = JSON.stringify({ ...primary, prevResult: prev })
        return must(
          `bridge DEL ${pod.name}`,
          await run(join(PLUGINS, 'bridge'), [], env('DEL', pod, ns), conf),
        ).ms
      },
    }

    type Path = typeof direct
    const phases: Record<string, { add: number[]; del: number[] }> = {}
    let rssWith100: number | undefined
    const phase = (name: string): { add: number[]; del: number[] } =>
      (phases[name] ??= { add: [], del: [] })
    const paths: [string, Path][] = [
      ['direct', direct],
      ['shim+agent', viaShim],
      ['socket', viaSocket],
    ]
    // Interleaved pod by pod (and batch by batch), the order rotating, so that a noisy moment
    // (the machine is shared) hits every path alike: each path ADDs the pod and DELs it again
    // before the next path takes it.
    // The agent's own CPU time (not its plugins') per pod, summed over the run: 10 ms ticks, but
    // a total over 100 pods is exact to a tenth of a millisecond per pod, and CPU time does not
    // grow when the machine is busy the way wall time does.
    const agentCpu: Record<string, number> = {}
    // Per pod, the same pod's ADD through a path minus its direct ADD moments apart.
    const paired: Record<string, number[]> = {}
    console.error(`sequential: ${pods.length} pods, each through ${paths.length} paths`)
    for (const [i, pod] of pods.entries()) {
      const addMs: Record<string, number> = {}
      for (let k = 0; k < paths.length; k++) {
        const [name, path] = paths[(i + k) % paths.length]!
        const cpu0 = cpuSeconds(agentPid!)
        const ms = await path.add(pod)
        addMs[name] = ms
        phase(`${name} sequential`).add.push(ms)
        phase(`${name} sequential`).del.push(await path.del(pod))
        agentCpu[name] = (agentCpu[name] ?? 0) + cpuSeconds(agentPid!) - cpu0
      }
      for (const name of ['shim+agent', 'socket']) {
        ;(paired[name] ??= []).push(addMs[name]! - addMs.direct!)
      }
    }
    console.error(`${args.concurrent} at once`)
    for (let i = 0; i + args.concurrent <= pods.length; i += args.concurrent) {
      const batch = pods.slice(i, i + args.concurrent)
      for (let k = 0; k < paths.length; k++) {
        const [name, path] = paths[(i / args.concurrent + k) % paths.length]!
        const p = phase(`${name} ${args.concurrent} at once`)
        p.add.push(...(await Promise.all(batch.map((pod) => path.add(pod)))))
        p.del.push(...(await Promise.all(batch.map((pod) => path.del(pod)))))
      }
    }
    console.error('the agent with every pod attached (RSS)')
    for (const pod of pods) await viaSocket.add(pod)
    if (agentPid !== undefined) rssWith100 = rssBytes(agentPid)
    for (const pod of pods) await viaSocket.del(pod)

    const lines: string[] = [
      '| path | ADD p50 ms | ADD p99 ms | DEL p50 ms | DEL p99 ms | attachments |',
      '| --- | --- | --- | --- | --- | --- |',
    ]
    const summary: Record<string, unknown> = {}
    for (const [name, { add, del }] of Object.entries(phases)) {
      const a = stats(add)
      const d = stats(del)
      summary[name] = { add: a, del: d }
      lines.push(
        `| ${name} | ${a.p50.toFixed(1)} | ${a.p99.toFixed(1)} | ${d.p50.toFixed(1)} | ${d.p99.toFixed(1)} | ${a.n} |`,
      )
    }
    const over = (path: string, kind: 'add' | 'del', mode: string, p: number): number =>
      pct(phases[`${path} ${mode}`]![kind], p) - pct(phases[`direct ${mode}`]![kind], p)
    const overheadOf = (path: string) => ({
      sequentialAddP50: over(path, 'add', 'sequential', 50),
      sequentialAddP99: over(path, 'add', 'sequential', 99),
      sequentialDelP50: over(path, 'del', 'sequential', 50),
      sequentialDelP99: over(path, 'del', 'sequential', 99),
      concurrentAddP50: over(path, 'add', `${args.concurrent} at once`, 50),
      concurrentAddP99: over(path, 'add', `${args.concurrent} at once`, 99),
    })
    // shim+agent minus direct (the runtime's view), and the agent alone (socket minus direct).
    const overhead = {
      ...overheadOf('shim+agent'),
      agentOnly: overheadOf('socket'),
      // The distribution of per-pod differences (less of the machine's noise than p99 - p99).
      pairedAdd: {
        'shim+agent': { p50: pct(paired['shim+agent']!, 50), p99: pct(paired['shim+agent']!, 99) },
        socket: { p50: pct(paired.socket!, 50), p99: pct(paired.socket!, 99) },
      },
    }
    const agentCpuMsPerPod = Object.fromEntries(
      ['shim+agent', 'socket'].map((n) => [n, ((agentCpu[n] ?? 0) * 1000) / pods.length]),
    )
    const shimStart = { sea: stats(seaStart), node: stats(nodeStart) }
    const p = overhead.pairedAdd
    console.log(lines.join('\n'))
    const describe = (o: ReturnType<typeof overheadOf>): string =>
      `ADD p50 ${o.sequentialAddP50.toFixed(1)} ms, ADD p99 ${o.sequentialAddP99.toFixed(1)} ms, ` +
      `DEL p50 ${o.sequentialDelP50.toFixed(1)} ms, DEL p99 ${o.sequentialDelP99.toFixed(1)} ms sequential; ` +
      `ADD p50 ${o.concurrentAddP50.toFixed(1)} ms, p99 ${o.concurrentAddP99.toFixed(1)} ms with ${args.concurrent} at once`
    console.log(
      `\noverhead per attachment (shim+agent minus direct): ${describe(overhead)}` +
        `\nof which the agent (socket minus direct): ${describe(overhead.agentOnly)}` +
        `\nper pod, ADD minus its direct ADD: shim+agent p50 ${p['shim+agent'].p50.toFixed(1)} ms, ` +
        `p99 ${p['shim+agent'].p99.toFixed(1)} ms; agent alone p50 ${p.socket.p50.toFixed(1)} ms, p99 ${p.socket.p99.toFixed(1)} ms` +
        `\nagent CPU per pod (ADD + DEL, plugins not included): through the shim ` +
        `${agentCpuMsPerPod['shim+agent']!.toFixed(1)} ms, over the socket ${agentCpuMsPerPod.socket!.toFixed(1)} ms`,
    )
    console.log(
      `shim start (VERSION, answered locally): single executable p50 ${shimStart.sea.p50.toFixed(1)} ms, ` +
        `p99 ${shimStart.sea.p99.toFixed(1)} ms (${shimStart.sea.n} runs); through node bin/multinet.js cni ` +
        `p50 ${shimStart.node.p50.toFixed(1)} ms (${shimStart.node.n} runs)`,
    )
    console.log(
      `agent RSS with ${args.pods} pods attached: ${((rssWith100 ?? 0) / 2 ** 20).toFixed(0)} MB`,
    )
    await mkdir(dirname(args.out), { recursive: true })
    await writeFile(
      args.out,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          node: process.version,
          args,
          summary,
          overhead,
          shimStart,
          agentRssBytes: rssWith100,
          agentCpuMsPerPod,
          medianSeaStartMs: median(seaStart),
        },
        null,
        2,
      ) + '\n',
    )
    console.log(`\nwrote ${args.out}`)
  } finally {
    for (const stop of stopAgent) await stop().catch(() => undefined)
    await cp?.stop().catch(() => undefined)
    for (const n of netnses) {
      try {
        execFileSync('ip', ['netns', 'del', n], { stdio: 'ignore' })
      } catch {
        // already gone
      }
    }
    try {
      execFileSync('ip', ['link', 'del', bridge], { stdio: 'ignore' })
    } catch {
      // never created
    }
    await writeFile('/proc/sys/net/ipv4/ip_forward', forward)
    await rm(work, { recursive: true, force: true })
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err)
  process.exitCode = 1
})
