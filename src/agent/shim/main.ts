/**
 * Entry of the standalone shim (`dist/shim/multinet-cni`, a Node single executable): the same
 * code as `multinet cni`, without the CLI around it.
 */
import { runShim } from './run.js'

void runShim({ stdin: process.stdin, stdout: process.stdout, env: process.env }).then((code) => {
  process.exitCode = code
})
