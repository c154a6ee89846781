#!/usr/bin/env bash
# Installs the pinned Wasmtime CLI for the `wasmtime` runtime and its tests: a
# `cargo install wasmtime-cli --locked` from crates.io (no binary download) into a
# cache outside the clone, kept between runs on this machine
# (~/.cache/faasbench/wasmtime-<version>/bin/wasmtime, or under $FAASBENCH_CACHE).
# Instant when present. The first build is slow: see the README ("Native Wasm
# runtimes") for the measured time on 2 cores. 48.0.8 is the newest release whose
# rust-version (1.95) the machine's Rust meets (49 needs 1.96, 50 needs 1.97).
# A concurrent install waits on the lock; a failed one leaves nothing half-installed.
# scripts/test.sh runs this; runtimes/external/tools.ts pins the same version.
set -euo pipefail
version="${FAASBENCH_WASMTIME_VERSION:-48.0.8}"
cache="${FAASBENCH_CACHE:-$HOME/.cache/faasbench}"
dir="$cache/wasmtime-$version"
mkdir -p "$cache"
exec 9>"$cache/.wasmtime.lock"
flock 9
if [[ -x "$dir/bin/wasmtime" ]] && "$dir/bin/wasmtime" --version 2>/dev/null | grep -q "^wasmtime $version\b"; then
  echo "install-wasmtime: wasmtime $version present ($dir/bin/wasmtime)"; exit 0
fi
command -v cargo >/dev/null || { echo "install-wasmtime: cargo is not installed (Rust >= 1.95 is needed)" >&2; exit 1; }
tmp="$(mktemp -d "$cache/.wasmtime-$version.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
echo "install-wasmtime: building wasmtime-cli $version from crates.io (slow the first time; log: $cache/logs/wasmtime-$version.log)"
mkdir -p "$cache/logs"
# A fixed target folder: a build interrupted (CI timeout, Ctrl-C) resumes where it stopped
# next time instead of starting over; removed once the binary is in place.
export CARGO_TARGET_DIR="$cache/.wasmtime-$version-target"
if ! nice -n 10 cargo install wasmtime-cli --version "$version" --locked --root "$tmp" >"$cache/logs/wasmtime-$version.log" 2>&1; then
  tail -20 "$cache/logs/wasmtime-$version.log" >&2
  echo "install-wasmtime: cargo install wasmtime-cli $version failed (log above)" >&2
  exit 1
fi
"$tmp/bin/wasmtime" --version | grep -q "^wasmtime $version\b"
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
rm -rf "$CARGO_TARGET_DIR"
echo "install-wasmtime: wasmtime $version installed in $(( $(date +%s) - start )) s ($dir/bin/wasmtime)"
