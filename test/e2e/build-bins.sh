#!/usr/bin/env bash
# Builds the real control-plane binaries that the end-to-end tests run against, from the Go
# module proxy only, and caches them by version under $HOME/.cache/multinet/bin/.
# Prints the bin directory as the last line of stdout. Idempotent: a cached binary is reused.
#
#   K8S_VERSION   k8s.io/kubernetes tag without "v"        (default 1.34.4)
#   ETCD_VERSION  go.etcd.io/etcd/server/v3 tag without "v" (default 3.6.16)
#   HELM_VERSION  helm.sh/helm/v3 tag without "v"           (default empty: skip; the chart tests will set 3.21.4)
#   MULTINET_E2E_NODE=1  also build kubelet (same k8s version and wrapper module) and a static
#                 `pause` binary, for the real-node suites (run.sh sets it when a node suite runs)
#
# Go is test infrastructure only: nothing built here ships in the product.
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-1.34.4}
ETCD_VERSION=${ETCD_VERSION:-3.6.16}
HELM_VERSION=${HELM_VERSION-}
CACHE=${MULTINET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/multinet}
BIN="$CACHE/bin/k8s-v$K8S_VERSION-etcd-v$ETCD_VERSION"

# Module downloads and compiled packages live under the same cache so a reused machine
# rebuilds nothing; GOTOOLCHAIN=local makes a too-new `go` line fail at once instead of
# trying to download a toolchain from outside the proxy.
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
export GOMODCACHE=${GOMODCACHE_OVERRIDE:-$CACHE/gomod}
export GOCACHE=${GOCACHE_OVERRIDE:-$CACHE/gobuild}
mkdir -p "$BIN"

log() { printf '[build-bins] %s\n' "$*" >&2; }
# Downloads from the module proxy can fail for a moment; a fresh CI machine should not fail the
# whole run for that. Compiles are not retried: a compile error repeats.
fetch() {
  local i
  for i in 1 2 3; do
    "$@" && return 0
    log "attempt $i of 3 failed: $*"
    [ "$i" = 3 ] || sleep $((i * 10))
  done
  return 1
}
command -v go >/dev/null || { log "go is not installed: the e2e tests need Go to build kube-apiserver"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The wrapper module that builds binaries from k8s.io/kubernetes (prepared once per run, shared
# by kube-apiserver and kubelet).
k8s_module() {
  local dir="$work/k8s" staging modfile m
  if [ -f "$dir/go.mod" ]; then cd "$dir"; return 0; fi
  staging="v0.${K8S_VERSION#1.}"
  mkdir -p "$dir" && cd "$dir"
  echo 'module local/multinet-k8s-test-binaries' > go.mod
  fetch go mod download "k8s.io/kubernetes@v$K8S_VERSION"
  modfile="$GOMODCACHE/cache/download/k8s.io/kubernetes/@v/v$K8S_VERSION.mod"
  # Same language version and GODEBUG defaults as upstream builds: godebug lines of a
  # dependency are ignored, so they must be repeated in the main module.
  # `go mod download` may already have written a go line of its own: use upstream's instead.
  sed -i -E '/^(go|toolchain|godebug) /d' go.mod
  grep -E '^go [0-9]' "$modfile" >> go.mod
  grep -E '^godebug ' "$modfile" >> go.mod || true
  go mod edit -require="k8s.io/kubernetes@v$K8S_VERSION"
  # k/k requires each staging module at the fake v0.0.0 and replaces it with a local path;
  # replaces of a dependency are ignored, so map every one to its published v0.<minor>.<patch>.
  # The list is derived from that version's own go.mod because each release may add modules.
  for m in $(grep -E '^[[:space:]]+k8s\.io/[^[:space:]]+ v0\.0\.0([[:space:]]|$)' "$modfile" | awk '{print $1}' | sort -u); do
    go mod edit -replace="$m=$m@$staging"
  done
}

# build_k8s_cmd <name>: k8s.io/kubernetes/cmd/<name> into $BIN/<name>, version-stamped.
build_k8s_cmd() {
  local name=$1 minor ldf p
  minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  k8s_module
  fetch go get "k8s.io/kubernetes/cmd/$name@v$K8S_VERSION"
  ldf="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldf="$ldf -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  go build -trimpath -ldflags "$ldf" -o "$BIN/$name.tmp" "k8s.io/kubernetes/cmd/$name"
  cp go.mod "$BIN/$name.go.mod"
  mv "$BIN/$name.tmp" "$BIN/$name"
}

# The pod sandbox's pause process, static, for the locally made pause image (no registry):
# reaps children, exits on SIGINT/SIGTERM, otherwise sleeps.
build_pause() {
  local dir="$work/pause"
  mkdir -p "$dir" && cd "$dir"
  printf 'module local/multinet-pause\n\ngo 1.24\n' > go.mod
  cat > main.go <<'GO'
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range sigs {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			if pid, _ := syscall.Wait4(-1, nil, syscall.WNOHANG, nil); pid <= 0 {
				break
			}
		}
	}
}
GO
  go build -trimpath -ldflags "-s -w" -o "$BIN/pause.tmp" .
  mv "$BIN/pause.tmp" "$BIN/pause"
}

build_etcd() {
  local dir="$work/etcd"
  mkdir -p "$dir" && cd "$dir"
  echo 'module local/multinet-etcd-build' > go.mod
  # server/v3 has replace directives (so `go install @v` is refused) but requires the real
  # published api/client/pkg versions at release tags, so a plain dependency build works.
  fetch go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION"
  go build -trimpath -ldflags "-s -w" -o "$BIN/etcd.tmp" go.etcd.io/etcd/server/v3
  mv "$BIN/etcd.tmp" "$BIN/etcd"
}

build_helm() {
  local hbin="$CACHE/bin/helm-v$HELM_VERSION"
  mkdir -p "$hbin"
  GOBIN="$hbin" go install -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION" \
    "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION"
  ln -sf "$hbin/helm" "$BIN/helm"
}

start=$(date +%s)
[ -x "$BIN/etcd" ] || { log "building etcd v$ETCD_VERSION"; (build_etcd); }
[ -x "$BIN/kube-apiserver" ] || { log "building kube-apiserver v$K8S_VERSION (cold: ~10-20 min)"; (build_k8s_cmd kube-apiserver); }
if [ "${MULTINET_E2E_NODE:-}" = 1 ]; then
  [ -x "$BIN/kubelet" ] || { log "building kubelet v$K8S_VERSION"; (build_k8s_cmd kubelet); }
  [ -x "$BIN/pause" ] || { log "building pause"; (build_pause); }
fi
if [ -n "$HELM_VERSION" ] && [ ! -x "$BIN/helm" ]; then log "building helm v$HELM_VERSION"; (build_helm); fi
log "done in $(( $(date +%s) - start ))s"
"$BIN/kube-apiserver" --version >&2
# sed, not head: head would exit early and SIGPIPE etcd, which pipefail turns into a failure.
"$BIN/etcd" --version | sed -n 1p >&2
[ "${MULTINET_E2E_NODE:-}" != 1 ] || "$BIN/kubelet" --version >&2
echo "$BIN"
