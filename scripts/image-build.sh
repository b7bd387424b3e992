#!/usr/bin/env bash
# Builds the real Dockerfile without a Docker engine or registry: the base image comes from
# scripts/image-base.sh (Debian bookworm by mmdebstrap + Node from the npm registry), buildah
# builds the Dockerfile against it. The result is in buildah's local storage as $IMAGE and, with
# OCI_ARCHIVE set, also written as an OCI archive (for `ctr images import`, skopeo, ...).
#
#   IMAGE        default localhost/multinet:dev
#   OCI_ARCHIVE  optional path of an oci-archive to write
#   BUILD_CA     CA bundle for npm inside the build (default: $NODE_EXTRA_CA_CERTS, for networks
#                that intercept TLS); passed as a build secret, never stored in the image
#   ISOLATION    buildah --isolation for RUN steps (default chroot: works in containers and VMs
#                without a cgroup delegation; "oci" runs them with runc)
# Prints the image name as the last line of stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-localhost/multinet:dev}
ISOLATION=${ISOLATION:-chroot}
log() { printf '[image-build] %s\n' "$*" >&2; }
start=$(date +%s)

base=$(bash scripts/image-base.sh | tail -n 1)
version=$(node -p "require('./package.json').version")
revision=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
log "building $IMAGE from $base (isolation $ISOLATION)"
# --layers caches each step in local storage: a rebuild with unchanged package files reuses the
# npm ci layers. SOURCE_DATE_EPOCH-free: `created` comes from the last commit, not the clock.
ca=${BUILD_CA:-${NODE_EXTRA_CA_CERTS:-}}
secret_dir=$(mktemp -d)
trap 'rm -rf "$secret_dir"' EXIT
if [ -n "$ca" ]; then cp "$ca" "$secret_dir/build-ca"; else : > "$secret_dir/build-ca"; fi
created=$(git log -1 --format=%cI 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ)
buildah build --layers --force-rm --isolation "$ISOLATION" --pull=never \
  --secret id=build-ca,src="$secret_dir/build-ca" \
  --build-arg NODE_IMAGE="$base" \
  --build-arg VERSION="$version" --build-arg REVISION="$revision" --build-arg CREATED="$created" \
  --tag "$IMAGE" --file Dockerfile . >&2
if [ -n "${OCI_ARCHIVE:-}" ]; then
  rm -f "$OCI_ARCHIVE"
  buildah push --quiet "$IMAGE" "oci-archive:$OCI_ARCHIVE:$IMAGE" >&2
  log "wrote $OCI_ARCHIVE"
fi
log "built $IMAGE in $(($(date +%s) - start))s"
echo "$IMAGE"
