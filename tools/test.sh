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

# The sanitizer run: the unit and integration labels again, built by clang with AddressSanitizer,
# UBSan and LeakSanitizer (preset asan-ubsan), plus every fuzz target for a short time over its
# committed corpus and regression inputs (label fuzz, tests/fuzz). The integration_stack_* tests
# check the local services themselves, and terraform_* only Terraform and moto, no code of ours:
# both run once, above.
# docs/reliability.md, "Sanitizers and fuzzing", has what it costs.
cmake --preset asan-ubsan >/dev/null
cmake --build --preset asan-ubsan
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ctest --preset asan-ubsan --output-on-failure -j 2 --timeout 600 -L 'unit|integration|fuzz' \
  -E '^(integration_stack_|terraform_)'
