#!/usr/bin/env node
// The `multinet` command. In a source checkout (src/ present, dev dependencies installed) it runs
// the TypeScript directly through tsx, so there is nothing to rebuild; an installed image runs
// the compiled dist/.
import { existsSync } from 'node:fs'

const source = new URL('../src/cli/main.ts', import.meta.url)
let entry = new URL('../dist/cli/main.js', import.meta.url)
if (existsSync(source)) {
  try {
    const { register } = await import('tsx/esm/api')
    register()
    entry = source
  } catch {
    // tsx is a dev dependency: without it, fall back to the build.
  }
}
const { run } = await import(entry.href)
await run()
