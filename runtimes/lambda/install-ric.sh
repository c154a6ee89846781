#!/usr/bin/env bash
# Installs AWS's real Node.js runtime interface client (npm aws-lambda-ric) into a
# gitignored cache, on demand, for the contract test that runs it unmodified against
# our Runtime API server. Not a project dependency: its install compiles libcurl and
# aws-lambda-cpp from bundled sources (several minutes; needs cmake, autoconf,
# automake, libtool, make, g++, python3 — see scripts/setup-machine.sh).
# npm 11 reviews dependency install scripts through package.json "allowScripts";
# the cache's own package.json allows exactly this package's.
set -euo pipefail
cd "$(dirname "$0")"
version="${AWS_LAMBDA_RIC_VERSION:-4.0.2}"
dir=.cache/aws-lambda-ric
marker="$dir/node_modules/aws-lambda-ric/package.json"
if [[ -f "$marker" ]] && grep -q "\"version\": \"$version\"" "$marker" && [[ -f "$dir/.complete" ]] \
  && [[ -f "$dir/node_modules/aws-lambda-ric/rapid-client.node" ]]; then
  echo "install-ric: aws-lambda-ric@$version present"; exit 0
fi
mkdir -p "$dir"
cat > "$dir/package.json" <<JSON
{
  "name": "faasbench-aws-lambda-ric-cache",
  "private": true,
  "dependencies": { "aws-lambda-ric": "$version" },
  "allowScripts": { "aws-lambda-ric": true }
}
JSON
rm -f "$dir/.complete"
cd "$dir"
# Fetch under the shared npm lock (seconds), then compile outside it (minutes) so
# other npm users are not kept waiting.
flock /tmp/faasbench-npm.lock npm install --no-audit --no-fund --ignore-scripts --engine-strict=false
test -f node_modules/aws-lambda-ric/package.json
# node-gyp would download Node's headers from nodejs.org; use the installed ones.
for d in /usr /usr/local "$(dirname "$(dirname "$(command -v node)")")"; do
  if [[ -f "$d/include/node/common.gypi" ]]; then export npm_config_nodedir="$d"; break; fi
done
nice npm rebuild aws-lambda-ric --foreground-scripts --engine-strict=false
test -f node_modules/aws-lambda-ric/rapid-client.node
touch .complete
echo "install-ric: aws-lambda-ric@$version installed"
