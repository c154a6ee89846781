#!/usr/bin/env bash
# Installs the pinned wit-bindgen CLI that scripts/build-c-components.ts uses to
# generate the C bindings of wasi:http/proxy (the workloads' `component-c` variant):
# a `cargo install wit-bindgen-cli --locked` from crates.io (no binary download), C
# generator only, into a cache outside the clone, kept between runs on this machine
# (~/.cache/faasbench/wit-bindgen-<version>/bin/wit-bindgen, or under $FAASBENCH_CACHE).
# Instant when present; the first build takes a few minutes on 2 cores (the time is
# printed). The generated bindings are committed (workloads/common/component/c/), so
# only a rebuild or its --check needs this tool.
# A concurrent install waits on the lock; a failed one leaves nothing half-installed.
# scripts/test.sh runs this; scripts/build-c-components.ts pins the same version.
set -euo pipefail
version="${FAASBENCH_WIT_BINDGEN_VERSION:-0.63.0}"
cache="${FAASBENCH_CACHE:-$HOME/.cache/faasbench}"
dir="$cache/wit-bindgen-$version"
mkdir -p "$cache"
exec 9>"$cache/.wit-bindgen.lock"
flock 9
if [[ -x "$dir/bin/wit-bindgen" ]] && "$dir/bin/wit-bindgen" --version 2>/dev/null | grep -q "^wit-bindgen-cli $version\b"; then
  echo "install-wit-bindgen: wit-bindgen $version present ($dir/bin/wit-bindgen)"; exit 0
fi
command -v cargo >/dev/null || { echo "install-wit-bindgen: cargo is not installed (Rust >= 1.88 is needed)" >&2; exit 1; }
tmp="$(mktemp -d "$cache/.wit-bindgen-$version.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
echo "install-wit-bindgen: building wit-bindgen-cli $version (C generator) from crates.io (log: $cache/logs/wit-bindgen-$version.log)"
mkdir -p "$cache/logs"
# A fixed target folder: an interrupted build resumes next time; removed once the binary is in place.
export CARGO_TARGET_DIR="$cache/.wit-bindgen-$version-target"
if ! nice -n 10 cargo install wit-bindgen-cli --version "$version" --locked --no-default-features --features c \
  --root "$tmp" >"$cache/logs/wit-bindgen-$version.log" 2>&1; then
  tail -20 "$cache/logs/wit-bindgen-$version.log" >&2
  echo "install-wit-bindgen: cargo install wit-bindgen-cli $version failed (log above)" >&2
  exit 1
fi
"$tmp/bin/wit-bindgen" --version | grep -q "^wit-bindgen-cli $version\b"
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
rm -rf "$CARGO_TARGET_DIR"
echo "install-wit-bindgen: wit-bindgen $version installed in $(( $(date +%s) - start )) s ($dir/bin/wit-bindgen)"
