#!/usr/bin/env bash
# The whole test run: install what is missing, build, lint, start the local stack (reusing a
# running one), run every ctest label, and stop exactly the services this run started.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${PRESET:-ci}"

tools/deps/install.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
tools/lint.sh

started=()
stop_started() {
  if [ "${#started[@]}" -gt 0 ]; then
    tools/stack/stack.sh stop "${started[@]}" || true
  fi
}
trap stop_started EXIT
# stack.sh start prints "started NAME" or "reused NAME" per service; on failure it stops what it
# started itself and exits non-zero.
stack_report=$(tools/stack/stack.sh start)
while read -r verb service; do
  echo "stack: $verb $service"
  if [ "$verb" = started ]; then started+=("$service"); fi
done <<<"$stack_report"
# shellcheck disable=SC1091
source "${STACK_DIR:-.stack}/env"

ctest --preset "$preset" --output-on-failure -j 2 --timeout 600 -L 'unit|integration|e2e'
