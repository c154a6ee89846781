#!/usr/bin/env bash
# Installs the pinned wazero CLI (the Go Wasm runtime) for the `wazero` runtime and
# its tests: `go install` from the Go module proxy into a cache outside the clone,
# kept between runs on this machine (~/.cache/faasbench/wazero-<version>/wazero, or
# under $FAASBENCH_CACHE). Instant when present; ~1 min cold (module download + build
# on 2 cores; 158 s measured while a Rust build shared the cores). A concurrent
# install waits on the lock; a failed one leaves nothing half-installed behind.
# Needs Go >= 1.21. scripts/test.sh runs this; runtimes/external/tools.ts pins the
# same version (keep them equal).
set -euo pipefail
version="${FAASBENCH_WAZERO_VERSION:-1.12.0}"
cache="${FAASBENCH_CACHE:-$HOME/.cache/faasbench}"
dir="$cache/wazero-$version"
mkdir -p "$cache"
exec 9>"$cache/.wazero.lock"
flock 9
if [[ -x "$dir/wazero" ]] && [[ "$("$dir/wazero" version 2>/dev/null)" == "v$version" ]]; then
  echo "install-wazero: wazero $version present ($dir/wazero)"; exit 0
fi
command -v go >/dev/null || { echo "install-wazero: go is not installed (Go >= 1.21 is needed)" >&2; exit 1; }
tmp="$(mktemp -d "$cache/.wazero-$version.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
GOBIN="$tmp" GOFLAGS=-mod=mod nice go install "github.com/tetratelabs/wazero/cmd/wazero@v$version"
[[ "$("$tmp/wazero" version)" == "v$version" ]]
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
echo "install-wazero: wazero $version installed in $(( $(date +%s) - start )) s ($dir/wazero)"
