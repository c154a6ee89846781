#!/usr/bin/env bash
# Installs what faasbench's builds and tests need on a fresh Debian 12 machine, from
# Debian's packages only (idempotent: a machine that has them skips apt).
set -euo pipefail

packages=(
  clang lld wasi-libc libclang-rt-dev-wasm32   # C → wasm32-wasi
  gcc libc6-dev                                # C → static native CGI binaries
  busybox-static                               # CGI-capable httpd for native containers
  docker.io                                    # the real Docker engine
  chromium                                     # headless browser for report tests
  cmake autoconf automake libtool make g++ python3   # AWS's aws-lambda-ric native build (lambda tests)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup-machine: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup-machine: Debian packages present"

# Density: every growable Wasm memory is two kernel mappings, so the default
# vm.max_map_count (65530) caps one process at ~32k live Wasm instances.
if [ "$(cat /proc/sys/vm/max_map_count 2>/dev/null || echo 0)" -lt 262144 ]; then
  sysctl -q -w vm.max_map_count=262144 2>/dev/null && echo "setup-machine: vm.max_map_count raised to 262144" \
    || echo "setup-machine: could not raise vm.max_map_count (Wasm density stays capped at ~32k instances per process)"
fi
