#!/usr/bin/env bash
# Assembles the Multinet image's base without a Docker engine or a container registry: Debian
# bookworm (minbase, from deb.debian.org by mmdebstrap) plus the official Node.js binary and npm
# (both from the npm registry: the `node-linux-<arch>` package is what `npm install node@...`
# installs). The result is the local equivalent of docker.io/library/node:<ver>-bookworm-slim:
# node and npm in /usr/local, nothing else. Stored in buildah's local storage as $BASE_IMAGE and
# reused while it exists (delete it with `buildah rmi $BASE_IMAGE` to rebuild).
#
#   NODE_VERSION  default 24.21.0 (Node 24 LTS)     NPM_VERSION  default 11.19.1
#   SUITE         default bookworm                   MIRROR       default http://deb.debian.org/debian
# Prints the image name as the last line of stdout. Needs root (or buildah unshare).
set -euo pipefail

NODE_VERSION=${NODE_VERSION:-24.21.0}
NPM_VERSION=${NPM_VERSION:-11.19.1}
SUITE=${SUITE:-bookworm}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
CACHE=${MULTINET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/multinet}
BASE_IMAGE=${BASE_IMAGE:-localhost/multinet-base:node$NODE_VERSION-$SUITE}
case "$(uname -m)" in
  x86_64) ARCH=x64 DEB_ARCH=amd64 ;;
  aarch64) ARCH=arm64 DEB_ARCH=arm64 ;;
  *) echo "image-base: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac

log() { printf '[image-base] %s\n' "$*" >&2; }
for tool in buildah mmdebstrap npm tar; do
  command -v "$tool" >/dev/null || { log "$tool is required (apt-get install buildah mmdebstrap)"; exit 1; }
done

if buildah inspect --type image "$BASE_IMAGE" >/dev/null 2>&1; then
  log "$BASE_IMAGE already built"
  echo "$BASE_IMAGE"
  exit 0
fi

start=$(date +%s)
work=$(mktemp -d)
container=""
cleanup() {
  [ -z "$container" ] || buildah rm "$container" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$CACHE/image"

# The Debian root file system, cached per suite and day (security updates land daily; a cached
# tarball from an earlier day is rebuilt).
rootfs="$CACHE/image/$SUITE-$DEB_ARCH-minbase-$(date -u +%Y%m%d).tar"
if [ ! -s "$rootfs" ]; then
  log "mmdebstrap $SUITE ($DEB_ARCH, minbase) from $MIRROR"
  # minbase: Essential packages + apt; libstdc++6 comes with apt and is what node links to.
  # The apt lists and caches are dropped: the image never runs apt.
  mmdebstrap --variant=minbase --architectures="$DEB_ARCH" --format=tar \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
    "$SUITE" "$rootfs.tmp" "$MIRROR"
  mv "$rootfs.tmp" "$rootfs"
  find "$CACHE/image" -name "$SUITE-$DEB_ARCH-minbase-*.tar" ! -name "$(basename "$rootfs")" -delete
fi

# Node and npm from the npm registry (npm's own cache keeps the tarballs).
log "node-linux-$ARCH@$NODE_VERSION and npm@$NPM_VERSION from the npm registry"
(cd "$work" && npm pack --silent "node-linux-$ARCH@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
mkdir -p "$work/node" "$work/npm"
tar -xzf "$work/node-linux-$ARCH-$NODE_VERSION.tgz" -C "$work/node" --strip-components=1
tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$work/npm" --strip-components=1

container=$(buildah from scratch)
mnt=$(buildah mount "$container")
tar -xf "$rootfs" -C "$mnt"
install -m 0755 "$work/node/bin/node" "$mnt/usr/local/bin/node"
mkdir -p "$mnt/usr/local/lib/node_modules"
cp -a "$work/npm" "$mnt/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$mnt/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$mnt/usr/local/bin/npx"
buildah umount "$container" >/dev/null
buildah config \
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env NODE_VERSION="$NODE_VERSION" \
  --cmd node \
  --label org.opencontainers.image.title="multinet-base" \
  --label org.opencontainers.image.description="Debian $SUITE minbase with Node.js $NODE_VERSION and npm $NPM_VERSION, assembled locally" \
  --label org.opencontainers.image.base.name="debian:$SUITE" \
  "$container"
buildah commit --quiet --rm "$container" "$BASE_IMAGE" >/dev/null
container=""
log "built $BASE_IMAGE in $(($(date +%s) - start))s"
echo "$BASE_IMAGE"
