#!/usr/bin/env bash
# Installs a real Kubernetes control plane for the k8s runtime's tests, cached outside
# the clone (~/.cache/faasbench/k8s/, override with FAASBENCH_K8S_CACHE):
#   - etcd: Debian 12's etcd-server (3.4.23), via apt;
#   - kube-apiserver, kube-controller-manager, kube-scheduler: built from the Go module
#     proxy, k8s.io/kubernetes at a pinned version with its staging modules
#     (k8s.io/api, apimachinery, client-go, apiserver, …) pinned alongside at v0.N.M —
#     k8s.io/kubernetes' own go.mod points them at ./staging, which a module download
#     does not have, so a small go.mod here replaces each with its published module;
#   - kwok: simulated nodes (sigs.k8s.io/kwok), since no kubelet runs pods here (README,
#     "Kubernetes").
# Why build rather than download release binaries: only the package registries are
# reachable from CI (no dl.k8s.io, no GitHub).
# Measured on the 2-core machine, cold caches, shared with other builds (load ~25):
# etcd-server 28 s; the three Kubernetes binaries 44 min; kwok 32 min (at the same
# time). Present: a few seconds.
# Exits non-zero on any failure: the k8s tests then fail loudly (FAASBENCH_REQUIRE_K8S=1
# in scripts/test.sh), they do not skip.
set -euo pipefail
K8S_VERSION="${FAASBENCH_K8S_VERSION:-1.34.4}"   # go directive 1.24: builds with Go ≥ 1.24
KWOK_VERSION="${FAASBENCH_KWOK_VERSION:-0.7.0}"   # go directive 1.24, client-go v0.33
cache="${FAASBENCH_K8S_CACHE:-$HOME/.cache/faasbench/k8s}"
bin="$cache/bin-v$K8S_VERSION"
kwokdir="$cache/kwok-v$KWOK_VERSION"
mkdir -p "$cache/logs"
export GOFLAGS=-mod=mod

if ! command -v etcd >/dev/null; then
  echo "install-control-plane: etcd-server from Debian"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q etcd-server >/dev/null
  # The package's service is not wanted: the tests start their own etcd.
  systemctl disable --now etcd >/dev/null 2>&1 || true
fi
etcd --version | head -1

if [[ -x "$bin/kube-apiserver" && -x "$bin/kube-controller-manager" && -x "$bin/kube-scheduler" && -f "$bin/.complete" ]]; then
  echo "install-control-plane: kubernetes v$K8S_VERSION present"
else
  src="$cache/build-v$K8S_VERSION"
  mkdir -p "$src" "$bin"
  cd "$src"
  rm -f "$bin/.complete"
  # k8s.io/kubernetes' own go.mod (through go itself: no curl needed), for its list of staging modules.
  gomod=$(cd "$cache" && go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
  cp "$gomod" kubernetes.mod
  {
    echo "module faasbench.local/k8sbuild"; echo; echo "go 1.24.0"; echo
    echo "require k8s.io/kubernetes v$K8S_VERSION"; echo
    grep -oE '^\s*k8s.io/[a-z0-9-]+ => ./staging' kubernetes.mod | awk -v v="0.${K8S_VERSION#1.}" '{print "replace " $1 " => " $1 " v" v}'
  } > go.mod
  cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
GO
  echo "install-control-plane: building kubernetes v$K8S_VERSION (several minutes on 2 cores)"
  nice go mod tidy
  minor="${K8S_VERSION#1.}"; minor="${minor%%.*}"
  vpkg=k8s.io/component-base/version
  ldflags="-s -w -X $vpkg.gitVersion=v$K8S_VERSION -X $vpkg.gitMajor=1 -X $vpkg.gitMinor=$minor -X $vpkg.gitTreeState=clean"
  nice go build -trimpath -ldflags="$ldflags" -o "$bin/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler
  touch "$bin/.complete"
fi
"$bin/kube-apiserver" --version

if [[ -x "$kwokdir/kwok" ]]; then
  echo "install-control-plane: kwok v$KWOK_VERSION present"
else
  echo "install-control-plane: building kwok v$KWOK_VERSION"
  mkdir -p "$kwokdir"
  GOBIN="$kwokdir" nice go install -trimpath -ldflags='-s -w' "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION"
fi
"$kwokdir/kwok" --version 2>/dev/null || true
echo "install-control-plane: ready in $cache"
