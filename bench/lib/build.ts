/**
 * Benchmarks measure what production runs: the compiled JavaScript (`npm run build` -> dist/,
 * as the image does), not the TypeScript sources through tsx that a checkout's bin/multinet.js
 * prefers. This builds dist/ once and returns the command that starts it.
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

let runner: string | undefined

/** `[node, runner]`: append the multinet arguments (e.g. `webhook --port ...`). */
export function multinetCommand(workDir: string): [string, string] {
  if (runner === undefined) {
    execFileSync('npm', ['run', '--silent', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] })
    runner = join(workDir, 'multinet-dist.mjs')
    const main = pathToFileURL(resolve('dist/cli/main.js')).href
    writeFileSync(runner, `const { run } = await import(${JSON.stringify(main)})\nawait run()\n`)
  }
  return ['node', runner]
}
