#!/usr/bin/env bash
# The README's test command: sets up a fresh machine and runs every test.
# CI (.ci/run) calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-machine.sh
# The container tests run against a real Docker engine.
bash scripts/ensure-docker
# better-sqlite3 (the history store) compiles its addon at install (~70 s CPU): from
# source (prebuild-install would fetch a binary from GitHub) against the installed
# Node headers (node-gyp would download them from nodejs.org).
for d in /usr /usr/local "$(dirname "$(dirname "$(command -v node)")")"; do
  if [[ -f "$d/include/node/common.gypi" ]]; then export npm_config_nodedir="$d"; break; fi
done
export npm_config_build_from_source=true
npm ci --no-audit --no-fund
npm run build
mkdir -p test-artifacts

# Committed workload artifacts must be what their sources build, byte for byte.
npx tsx scripts/build-workloads.ts --check
# Same for the WASI host's own C test programs.
npx tsx scripts/build-wasi-tests.ts --check
# The workloads' component variants (componentize-js, ~13 MB each, gitignored): the
# bundled sources must match their manifests; components come from the cache in
# ~/.cache/faasbench/component-builds (10-30 s each the first time, seconds after).
npx tsx scripts/build-components.ts --check
# The workloads' component-c variants (each C source as a wasi:http component through the
# WAGI bridge, committed): wit-bindgen's C generator, pinned, built from crates.io into
# ~/.cache/faasbench (~20 min wall niced under load, 6 min CPU, the first time; instant
# after), then every C component must rebuild byte for byte.
bash runtimes/wasm/component/install/install-wit-bindgen.sh || echo "test.sh: wit-bindgen install failed (build-c-components --check will fail)"
npx tsx scripts/build-c-components.ts --check

# The WASI host's utimensat addon (exact host-directory file times): ~2 s with
# node-gyp, cached in a gitignored build/ (instant when unchanged). A failed build
# fails runtimes/wasm/wasi/fs/utimens.test.ts and the times tests, with the reason.
bash runtimes/wasm/wasi/native/build.sh || echo "test.sh: utimensat addon build failed (WASI host-directory times tests will fail)"

# AWS's real Lambda runtime client for runtimes/lambda/ric.test.ts: compiled on demand
# into a gitignored cache (minutes the first time). A failed build fails that test.
bash runtimes/lambda/install-ric.sh || echo "test.sh: aws-lambda-ric install failed (runtimes/lambda/ric.test.ts will fail)"
export FAASBENCH_REQUIRE_RIC=1

# The native Wasm runtimes (runtimes/external/): pinned builds from crates.io and the
# Go module proxy into ~/.cache/faasbench, kept between runs (instant when present).
# wazero: ~1 min cold. wasmtime: a long first build (README, "Native Wasm runtimes").
# A failed install fails those adapters' tests (FAASBENCH_REQUIRE_EXTERNAL), not skips them.
bash runtimes/external/install/install-wazero.sh || echo "test.sh: wazero install failed (runtimes/external tests will fail)"
bash runtimes/external/install/install-wasmtime.sh || echo "test.sh: wasmtime install failed (runtimes/external tests will fail)"
export FAASBENCH_REQUIRE_EXTERNAL=1

# A real Kubernetes control plane for runtimes/k8s/ (etcd from Debian; kube-apiserver,
# controller-manager, scheduler and kwok built from the Go module proxy, pinned, into
# ~/.cache/faasbench/k8s; long the first time, instant after: README, "Kubernetes").
# A failed install fails the k8s tests (FAASBENCH_REQUIRE_K8S), not skips them.
bash runtimes/k8s/install-control-plane.sh || echo "test.sh: Kubernetes control plane install failed (runtimes/k8s tests will fail)"
export FAASBENCH_REQUIRE_K8S=1

status=0
npm run typecheck
# Formatting (Prettier) and the linter with the layering rules (eslint.config.js).
npm run lint
rm -f test-artifacts/vitest.json # a crashed run must not report the previous run's counts
npx vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json || status=$?

# A closing line any CI reader understands.
node -e '
  const r = require("./test-artifacts/vitest.json");
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' || true
exit $status
