#!/usr/bin/env bash
# Runs the end-to-end suite against a real kube-apiserver + etcd on loopback.
# Needs Go (to build the binaries once; they are cached under ~/.cache/multinet/) and Node.
#   npm run test:e2e                       all e2e files
#   npm run test:e2e -- test/e2e/x.test.ts  some of them
# MULTINET_E2E_BIN=<dir> skips the build step; MULTINET_E2E_KEEP=1 keeps each temp dir (logs).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ -z "${MULTINET_E2E_BIN:-}" ]; then
  MULTINET_E2E_BIN=$(bash test/e2e/build-bins.sh | tail -n 1)
fi
export MULTINET_E2E_BIN

files=("$@")
[ ${#files[@]} -gt 0 ] || files=(test/e2e/*.test.ts)

# .taprc excludes test/e2e from the unit run; --exclude here replaces that list (keeping only
# fixtures out), and explicit file arguments are what tap runs. One file at a time: each starts
# its own control plane, and two cores do not run two apiservers well. Coverage is the unit
# suite's business; tap still reads .tap/coverage at the end, which a concurrent unit run in the
# same checkout may have filled, so its thresholds must not fail this run.
exec npx tap --disable-coverage --allow-incomplete-coverage --coverage-report=none \
  --jobs=1 --timeout=300 --exclude='**/@(fixture*(s)|dist)/**' "${files[@]}"
