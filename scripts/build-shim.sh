#!/usr/bin/env bash
# Builds the CNI shim as a Node single executable application: dist/shim/multinet-cni, which a
# node runs with no Node.js installed. Steps: esbuild bundles src/agent/shim/main.ts into one CJS
# file; `node --experimental-sea-config` turns it into a blob (with V8's code cache, so the
# bundle is not compiled on every start); postject injects the blob into a copy of this node
# binary. Idempotent (rebuilds every time, into a temp dir, then renames); fails loudly. The
# output path is the last line on stdout.
#
# Usage: scripts/build-shim.sh [OUT_DIR]   (default dist/shim; the tests build into a temp dir)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out_dir=$(mkdir -p "${1:-$root/dist/shim}" && cd "${1:-$root/dist/shim}" && pwd)
out="$out_dir/multinet-cni"
esbuild="$root/node_modules/.bin/esbuild"
postject="$root/node_modules/.bin/postject"
node_bin=$(command -v node) || { echo "build-shim: node not found on PATH" >&2; exit 1; }
node_bin=$(readlink -f "$node_bin")
# The executable is a copy of node itself: a wrapper script (nvm, volta, npm's node package on
# some platforms) cannot carry the blob.
[[ $(head -c 4 "$node_bin" | od -An -c | tr -d ' ') == '177ELF' ]] ||
  { echo "build-shim: $node_bin is not an ELF binary; put the real node first on PATH" >&2; exit 1; }
for tool in "$esbuild" "$postject"; do
  [[ -x $tool ]] || { echo "build-shim: $tool missing (run npm ci)" >&2; exit 1; }
done

work=$(mktemp -d "$out_dir/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$esbuild" "$root/src/agent/shim/main.ts" --bundle --platform=node --format=cjs \
  --target=node24 --minify --legal-comments=none --log-level=warning \
  --outfile="$work/shim.cjs" >&2

cat >"$work/sea.json" <<JSON
{
  "main": "$work/shim.cjs",
  "output": "$work/shim.blob",
  "disableExperimentalSEAWarning": true,
  "useCodeCache": true,
  "useSnapshot": false
}
JSON
(cd "$work" && "$node_bin" --experimental-sea-config sea.json) >&2

cp "$node_bin" "$work/multinet-cni"
chmod u+w "$work/multinet-cni"
# Node's symbol table is of no use on a node (saves about 17 MiB); strip is optional.
if command -v strip >/dev/null; then strip "$work/multinet-cni"; fi
"$postject" "$work/multinet-cni" NODE_SEA_BLOB "$work/shim.blob" \
  --sentinel-fuse NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2 >&2

# The build must answer VERSION on its own before it replaces a previous one.
answer=$(echo '{"cniVersion":"1.0.0"}' | env -i CNI_COMMAND=VERSION "$work/multinet-cni")
case $answer in
  *'"supportedVersions"'*) ;;
  *) echo "build-shim: the built shim answered VERSION with: $answer" >&2; exit 1 ;;
esac
mv -f "$work/multinet-cni" "$out"
echo "$out"
