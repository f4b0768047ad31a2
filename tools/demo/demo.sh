#!/usr/bin/env bash
# `make demo`: installs what is missing, builds the bootstrap, starts the local stack (reusing a
# running one), and runs the demo workload (tools/demo/workload.py) against the standalone runner
# (`bootstrap run`). Stops everything it started, unless KEEP=1.
#   KEEP=1            keep the stack, the runner and the tables; print kcat commands
#   DEMO_PROFILE=short  fewer aggregates (what the e2e test runs)
#   DEMO_ENGINE=esm   dispatch through the Lambda event source mapping emulator instead
#   PRESET=ci         the CMake preset to build with
set -euo pipefail
cd "$(dirname "$0")/../.."
preset="${PRESET:-ci}"
keep="${KEEP:-0}"
profile="${DEMO_PROFILE:-full}"
log_dir="build/demo-logs/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$log_dir"

step() { printf 'demo: %s\n' "$*"; }
# Runs a noisy step with its output in a log file; shows the end of it when the step fails.
quietly() {
  local name=$1
  shift
  if ! "$@" >"$log_dir/$name.log" 2>&1; then
    tail -n 30 "$log_dir/$name.log" >&2
    step "$name failed (full log: $log_dir/$name.log)" >&2
    exit 2
  fi
}

step "installing what is missing (tools/deps/install.sh)"
quietly install tools/deps/install.sh
step "building the bootstrap (preset $preset)"
quietly configure cmake --preset "$preset"
quietly build cmake --build --preset "$preset" --target bootstrap
bootstrap="build/$preset/src/app/bootstrap"

started=()
stop_started() {
  if [ "$keep" != 1 ] && [ "${#started[@]}" -gt 0 ]; then
    step "stopping what the demo started: ${started[*]}"
    tools/stack/stack.sh stop "${started[@]}" >/dev/null 2>&1 || true
  fi
}
trap stop_started EXIT
step "starting the local stack (DynamoDB Local, Kafka; reused when running)"
stack_report=$(tools/stack/stack.sh start 2>"$log_dir/stack.log") || {
  tail -n 30 "$log_dir/stack.log" >&2
  exit 2
}
while read -r verb service; do
  if [ "$verb" = started ]; then started+=("$service"); fi
done <<<"$stack_report"
# shellcheck disable=SC1091
source "${STACK_DIR:-.stack}/env"

engine="${DEMO_ENGINE:-}"
if [ -z "$engine" ]; then
  # The standalone runner when this build has it; the Lambda emulator otherwise.
  if "$bootstrap" run --help >/dev/null 2>&1; then engine=runner; else engine=esm; fi
fi
workload=(.venv/bin/python tools/demo/workload.py --bootstrap "$bootstrap" --profile "$profile"
  --engine "$engine" --log-dir "$log_dir")
if [ "$keep" = 1 ]; then workload+=(--keep); fi
"${workload[@]}"
