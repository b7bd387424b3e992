#!/usr/bin/env node
// Start time of the CNI shim, as docs/cni.md reports it: CNI_COMMAND=VERSION under `env -i`,
// wall time (spawn to exit) and CPU time (user+sys from GNU time, 10 ms resolution), the cases
// interleaved so that machine load hits them alike.
// Usage: node scripts/shim-start-time.mjs [RUNS] [SEA]   (SEA default dist/shim/multinet-cni)
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const runs = Number(process.argv[2] ?? 50)
const sea = process.argv[3] ?? 'dist/shim/multinet-cni'
if (!existsSync(sea)) {
  process.stderr.write(`${sea} missing: run scripts/build-shim.sh first\n`)
  process.exit(1)
}
const cases = {
  [`${sea} (single executable)`]: [sea],
  'node bin/multinet.js cni': [process.execPath, 'bin/multinet.js', 'cni'],
  'node -e 0 (floor)': [process.execPath, '-e', '0'],
}
const wall = Object.fromEntries(Object.keys(cases).map((k) => [k, []]))
const cpu = Object.fromEntries(Object.keys(cases).map((k) => [k, []]))
for (let i = 0; i < runs; i++) {
  for (const [name, argv] of Object.entries(cases)) {
    const t0 = process.hrtime.bigint()
    const r = spawnSync(
      '/usr/bin/time',
      ['-f', '%U %S', '/usr/bin/env', '-i', 'CNI_COMMAND=VERSION', ...argv],
      { input: '{"cniVersion":"1.0.0"}' },
    )
    const ms = Number(process.hrtime.bigint() - t0) / 1e6
    if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr}`)
    const [u, s] = r.stderr.toString().trim().split('\n').pop().split(' ').map(Number)
    wall[name].push(ms)
    cpu[name].push((u + s) * 1000)
  }
}
const pct = (a, p) => a[Math.min(a.length - 1, Math.ceil((p / 100) * a.length) - 1)]
const f = (x) => x.toFixed(0).padStart(5)
for (const name of Object.keys(cases)) {
  const w = wall[name].sort((x, y) => x - y)
  const c = cpu[name].sort((x, y) => x - y)
  process.stdout.write(
    `${name.padEnd(40)} wall p50 ${f(pct(w, 50))} p99 ${f(pct(w, 99))} ms | ` +
      `cpu p50 ${f(pct(c, 50))} p99 ${f(pct(c, 99))} ms (n=${w.length})\n`,
  )
}
