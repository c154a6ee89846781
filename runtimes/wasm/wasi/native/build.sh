#!/usr/bin/env bash
# Builds the faasbench_utimens addon (utimens.c: exact utimensat/futimens for the WASI
# host's host-directory preopens) with node-gyp against the installed Node's headers,
# into build/ (gitignored). Cached: rebuilt only when utimens.c, binding.gyp or the
# Node version change (~2 s on 2 cores; a cache hit is instant). Without it the WASI
# host still works, but host-directory times are inexact (see ../fs/utimens.ts).
# Needs a C compiler, make and python3 (scripts/setup-machine.sh installs them).
set -euo pipefail
cd "$(dirname "$0")"
out=build/Release/faasbench_utimens.node
stamp=build/.faasbench-stamp
want="$(cat utimens.c binding.gyp | sha256sum | cut -d' ' -f1) node-$(node -p process.version)"
if [[ -f "$out" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "build-utimens: $out up to date"; exit 0
fi
exec 9>/tmp/faasbench-utimens-build.lock
flock 9
# npm's own node-gyp (the one it runs for packages' install scripts): not a dependency.
gyp="${npm_config_node_gyp:-}"
if [[ -z "$gyp" ]]; then
  npm_cli="$(readlink -f "$(command -v npm)")"
  gyp="$(dirname "$npm_cli")/../node_modules/node-gyp/bin/node-gyp.js"
fi
if [[ ! -f "$gyp" ]]; then echo "build-utimens: node-gyp not found next to npm ($gyp)" >&2; exit 1; fi
# node-gyp would download Node's headers from nodejs.org; use the installed ones.
nodedir=""
for d in /usr /usr/local "$(dirname "$(dirname "$(command -v node)")")"; do
  if [[ -f "$d/include/node/node_api.h" && -f "$d/include/node/common.gypi" ]]; then nodedir="$d"; break; fi
done
if [[ -z "$nodedir" ]]; then echo "build-utimens: Node's headers (include/node/node_api.h) not found" >&2; exit 1; fi
start=$(date +%s%N)
rm -f "$stamp"
node "$gyp" rebuild --nodedir="$nodedir" --loglevel=warn
test -f "$out"
# The addon must load and answer before it counts as built.
node -e 'const m = require(process.argv[1]); if (typeof m.futimens !== "function" || typeof m.utimensat !== "function") process.exit(1)' "$(pwd)/$out"
echo "$want" > "$stamp"
echo "build-utimens: built $out in $(( ($(date +%s%N) - start) / 1000000 )) ms"
