#!/usr/bin/env bash
# Runs the end-to-end suite against a real kube-apiserver + etcd on loopback.
# Needs Go (to build the binaries once; they are cached under ~/.cache/multinet/) and Node.
#   npm run test:e2e                       all e2e files
#   npm run test:e2e -- test/e2e/x.test.ts  some of them
# MULTINET_E2E_BIN=<dir> skips the build step; MULTINET_E2E_KEEP=1 keeps each temp dir (logs).
# The chart suites also build helm; the image suites build the image (scripts/image-build.sh).
#
# The real-node suites (*node*.test.ts, agent*.test.ts except agent-api) also need root, Debian's
# containerd, runc, containernetworking-plugins and busybox-static, and the kubelet that
# build-bins.sh builds when MULTINET_E2E_NODE=1 (set here when such a file is selected). They
# change the host while they run and restore it; see docs/testing.md.
set -euo pipefail
cd "$(dirname "$0")/../.."

files=("$@")
[ ${#files[@]} -gt 0 ] || files=(test/e2e/*.test.ts)

node_suite=0
image_suite=0
for f in "${files[@]}"; do
  case "$(basename "$f")" in
    agent-api.test.ts) ;;
    *node*.test.ts | agent*.test.ts) node_suite=1 ;;
  esac
  case "$(basename "$f")" in
    # helm renders and installs the chart (built from the Go module proxy, cached).
    chart*.test.ts) export HELM_VERSION=${HELM_VERSION:-3.21.4} ;;
  esac
  case "$(basename "$f")" in
    # The image is built from the Dockerfile with buildah against a local base (cached).
    image*.test.ts | chart-node*.test.ts) image_suite=1 ;;
  esac
done
if [ "$node_suite" = 1 ]; then
  export MULTINET_E2E_NODE=1
  [ "$(id -u)" = 0 ] || echo "run.sh: the real-node suites need root; they will fail (sudo npm run test:e2e)" >&2
fi

if [ -z "${MULTINET_E2E_BIN:-}" ]; then
  MULTINET_E2E_BIN=$(bash test/e2e/build-bins.sh | tail -n 1)
fi
export MULTINET_E2E_BIN
if [ "$image_suite" = 1 ]; then
  bash scripts/image-build.sh >&2
fi

# .taprc excludes test/e2e from the unit run; --exclude here replaces that list (keeping only
# fixtures out), and explicit file arguments are what tap runs. One file at a time: each starts
# its own control plane, and two cores do not run two apiservers well. Coverage is the unit
# suite's business; tap still reads .tap/coverage at the end, which a concurrent unit run in the
# same checkout may have filled, so its thresholds must not fail this run.
# --timeout is per file and only catches hangs: a real-node file starts a kubelet, containerd
# and pods, and takes a minute or more on a busy two-core machine.
exec npx tap --disable-coverage --allow-incomplete-coverage --coverage-report=none \
  --jobs=1 --timeout=900 --exclude='**/@(fixture*(s)|dist)/**' "${files[@]}"
