/**
 * `npm run bench:profile`: where the webhook's time goes. Starts the compiled webhook under
 * `--cpu-prof` against a generated state, drives one scenario with the bench's load generator,
 * stops it (the profile is written on a clean exit) and prints (for the measured window only) the functions with the most
 * self time and the project functions with the most inclusive time. The `.cpuprofile` is kept
 * for a flame graph (Chrome DevTools or speedscope open it).
 *
 *   npm run bench:profile                                   pod-mutate, 10,000 NADs, 1,000 rules
 *   npm run bench:profile -- --scenario pod-validate --nads 10 --rules 10 --seconds 10 --warmup 15
 */
import { mkdtemp, readdir, readFile, copyFile, mkdir } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './lib/ports.js'
import { measure, warmUp } from './lib/load.js'
import { pin } from './lib/proc.js'
import { makeCerts, startFloor, startWebhook } from './lib/servers.js'
import { writeState } from './lib/state.js'
import { summariseProfile, type CpuProfile } from './lib/profile-report.js'

const SCENARIOS = {
  floor: { path: '/mutate', body: 'pod' },
  'pod-mutate': { path: '/mutate', body: 'pod' },
  'pod-validate': { path: '/validate', body: 'pod' },
  'nad-validate': { path: '/validate', body: 'nad' },
} as const

function parseArgs(argv: string[]): {
  scenario: keyof typeof SCENARIOS
  nads: number
  rules: number
  seconds: number
  warmup: number
} {
  const args = {
    scenario: 'pod-mutate' as keyof typeof SCENARIOS,
    nads: 10000,
    rules: 1000,
    seconds: 8,
    warmup: 15,
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const v = argv[++i]
    if (v === undefined) throw new Error(`${a} needs a value`)
    if (a === '--scenario') {
      if (!(v in SCENARIOS))
        throw new Error(`--scenario: one of ${Object.keys(SCENARIOS).join(', ')}`)
      args.scenario = v as keyof typeof SCENARIOS
    } else if (a === '--nads') args.nads = Number(v)
    else if (a === '--rules') args.rules = Number(v)
    else if (a === '--seconds') args.seconds = Number(v)
    else if (a === '--warmup') args.warmup = Number(v)
    else throw new Error(`unknown option ${a} (see the header of bench/profile.ts)`)
  }
  return args
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  if (cpus().length >= 2) pin(process.pid, 1)
  const work = await mkdtemp(join(tmpdir(), 'multinet-profile-'))
  const certs = join(work, 'certs')
  makeCerts(certs)
  const stateDir = join(work, 'state')
  const reviews = await writeState(stateDir, { nads: args.nads, rules: args.rules })
  const profDir = join(work, 'prof')
  const profiling = ['--cpu-prof', '--cpu-prof-dir', profDir]
  const server =
    args.scenario === 'floor'
      ? await startFloor(certs, await freePort(), profiling)
      : await startWebhook(stateDir, certs, await freePort(), await freePort(), profiling)
  const scenario = SCENARIOS[args.scenario]
  const spec = {
    url: `${server.url}${scenario.path}`,
    ca: server.ca,
    body: reviews[scenario.body],
    connections: 8,
    seconds: args.seconds,
  }
  let result
  let measuredFrom: number
  try {
    await warmUp(spec, args.warmup)
    measuredFrom = Number(process.hrtime.bigint() / 1000n)
    result = await measure(server.pid, spec)
  } finally {
    await server.stop()
  }
  const [file] = (await readdir(profDir)).filter((f) => f.endsWith('.cpuprofile'))
  if (file === undefined) throw new Error(`no profile written in ${profDir}`)
  const profile = JSON.parse(await readFile(join(profDir, file), 'utf8')) as CpuProfile
  console.log(
    `${args.scenario} at ${args.nads} NADs / ${args.rules} rules: ${result.rps.toFixed(0)} req/s, ` +
      `${result.cpuUsPerRequest.toFixed(0)} µs CPU/req (profiling on: slower than npm run bench)\n`,
  )
  console.log(summariseProfile(profile, process.cwd(), measuredFrom))
  await mkdir('bench/results', { recursive: true })
  const kept = `bench/results/profile-${args.scenario}-${args.nads}.cpuprofile`
  await copyFile(join(profDir, file), kept)
  console.log(`\nprofile kept in ${kept}`)
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exitCode = 1
})
