#!/usr/bin/env bash
# The step of action.yml (the faasbench duet gate as a GitHub Action): reads its
# inputs from INPUT_* variables, runs `faasbench gate` in the duet form, writes the
# outputs (verdict, exit-code, results-file, markdown-file) to $GITHUB_OUTPUT; the
# gate itself prints the ::error/::warning annotations and appends its Markdown to
# $GITHUB_STEP_SUMMARY. Exits with the gate's code (a regression exits 0 instead
# when fail-on-regression is false; unusable input and "cannot decide" always fail).
set -euo pipefail

fail() { echo "::error title=faasbench gate::$1"; exit 2; }
: "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set: run as a GitHub Actions step}"
out="${INPUT_OUT:-faasbench-gate}"
mkdir -p "$out"

# The faasbench command: given, or this action's checkout (installed and built once).
if [[ -n "${INPUT_FAASBENCH:-}" ]]; then
  read -r -a fb <<< "$INPUT_FAASBENCH"
else
  root="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}"
  if [[ ! -f "$root/dist/harness/cli.js" ]]; then
    echo "installing faasbench in $root (npm ci + build)"
    (cd "$root" && npm ci --no-audit --no-fund && npm run build) >&2
  fi
  fb=(node "$root/bin/faasbench.js")
fi

args=(gate --out "$out" --markdown "$out/gate.md" --quiet)
# One pair of inputs: what differs between the sides. With images or commands, a lone
# workload input is the workload both sides serve, not a pair of its own.
served_by=""
[[ -n "${INPUT_BASELINE_IMAGE:-}${INPUT_IMAGE:-}" ]] && served_by+=" image"
[[ -n "${INPUT_BASELINE_COMMAND:-}${INPUT_COMMAND:-}" ]] && served_by+=" command"
pairs=()
[[ -n "${INPUT_BASELINE_WASM:-}${INPUT_WASM:-}" ]] && pairs+=(wasm)
[[ -n "${INPUT_BASELINE_COMPONENT:-}${INPUT_COMPONENT:-}" ]] && pairs+=(component)
if [[ -n "${INPUT_BASELINE_WORKLOAD:-}" || ( -n "${INPUT_WORKLOAD:-}" && -z "$served_by" ) ]]; then pairs+=(workload); fi
for f in $served_by; do pairs+=("$f"); done
(( ${#pairs[@]} > 0 )) || fail "give one pair of inputs: baseline-wasm/wasm, baseline-component/component, baseline-workload/workload, baseline-image/image or baseline-command/command"
(( ${#pairs[@]} == 1 )) || fail "give one pair of inputs, not several (${pairs[*]})"
form="${pairs[0]}"
upper="$(tr 'a-z' 'A-Z' <<< "$form")"
base_var="INPUT_BASELINE_$upper"
cand_var="INPUT_$upper"
[[ -n "${!base_var:-}" && -n "${!cand_var:-}" ]] || fail "give both baseline-$form and $form"
args+=("--baseline-$form" "${!base_var}" "--$form" "${!cand_var}")
[[ -n "$served_by" && -n "${INPUT_WORKLOAD:-}" ]] && args+=(--workload "$INPUT_WORKLOAD")
[[ -n "${INPUT_VARIANT:-}" ]] && args+=(--variant "$INPUT_VARIANT")
[[ -n "${INPUT_RUNTIME:-}" ]] && args+=(--runtime "$INPUT_RUNTIME")
[[ -n "${INPUT_MAX_REGRESSION:-}" ]] && args+=(--max-regression "$INPUT_MAX_REGRESSION")
[[ -n "${INPUT_PRECISION:-}" ]] && args+=(--precision "$INPUT_PRECISION")
[[ -n "${INPUT_BUDGET_SECONDS:-}" ]] && args+=(--budget-seconds "$INPUT_BUDGET_SECONDS")
[[ -n "${INPUT_METRIC:-}" ]] && args+=(--metric "$INPUT_METRIC")
[[ -n "${INPUT_SEED:-}" ]] && args+=(--seed "$INPUT_SEED")

set +e
"${fb[@]}" "${args[@]}" 2> "$out/gate.stderr"
code=$?
set -e
cat "$out/gate.stderr" >&2

case "$code" in
  0) verdict=pass ;;
  1) verdict=fail ;;
  130) verdict=interrupted ;;
  *) verdict=cannot-decide ;;
esac
results="$(sed -n 's/^results: //p' "$out/gate.stderr" | tail -n 1)"
{
  echo "verdict=$verdict"
  echo "exit-code=$code"
  echo "results-file=$results"
  echo "markdown-file=$([[ -f "$out/gate.md" ]] && echo "$out/gate.md")"
} >> "$GITHUB_OUTPUT"
if [[ "$code" == 1 && "${INPUT_FAIL_ON_REGRESSION:-true}" == false ]]; then
  echo "::warning title=faasbench gate::regression found; not failing the step (fail-on-regression: false)"
  exit 0
fi
exit "$code"
