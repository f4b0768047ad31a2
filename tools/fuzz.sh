#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets (tests/fuzz, in the asan-ubsan preset's tree) and runs
# each for FUZZ_SECONDS (default 60) and at most FUZZ_RUNS executions when set (FUZZ_RUNS alone:
# no time limit), one after the other, under nice. New inputs go to build/asan-ubsan/tests/fuzz/work/<target>/ (seeded by the committed
# corpus); a crash leaves build/asan-ubsan/tests/fuzz/<target>-crash-<sha1> and fails the run.
# FUZZ_TARGETS="stream_event settings" runs only those. FUZZ_JOBS=N runs N targets at once.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-}"
runs="${FUZZ_RUNS:-}"
[ -n "$seconds" ] || [ -n "$runs" ] || seconds=60
jobs="${FUZZ_JOBS:-1}"
all_targets=(stream_event dynamodb_item dynamodb_response secret settings runtime_invocation credentials on_failure_record)
read -r -a targets <<<"${FUZZ_TARGETS:-${all_targets[*]}}"

cmake --preset asan-ubsan >/dev/null
cmake --build --preset asan-ubsan --target "${targets[@]/%/_fuzz}"

fuzz_dir=build/asan-ubsan/tests/fuzz
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

run_one() {
  local name="$1" limits=() inputs log
  [ -z "$runs" ] || limits+=("-runs=$runs")
  [ -z "$seconds" ] || limits+=("-max_total_time=$seconds")
  inputs=("$fuzz_dir/work/$name" "tests/fuzz/corpus/$name")
  [ -d "tests/fuzz/regressions/$name" ] && inputs+=("tests/fuzz/regressions/$name")
  mkdir -p "$fuzz_dir/work/$name"
  log="$fuzz_dir/$name.log"
  local dict
  case "$name" in
    settings) dict=settings.dict ;;
    runtime_invocation) dict=runtime.dict ;;
    *) dict=json.dict ;;
  esac
  local started=$SECONDS status=0
  nice -n 10 "$fuzz_dir/${name}_fuzz" "${limits[@]}" -max_len=8192 -timeout=10 -rss_limit_mb=1024 \
    -print_final_stats=1 -dict="tests/fuzz/$dict" -artifact_prefix="$fuzz_dir/$name-" \
    "${inputs[@]}" >"$log" 2>&1 || status=$?
  local executions
  executions="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  echo "fuzz: $name: ${executions:-?} executions in $((SECONDS - started)) s," \
    "$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1) exec/s," \
    "$(find "$fuzz_dir/work/$name" -type f | wc -l) inputs in the corpus," \
    "$([ "$status" -eq 0 ] && echo 0 || echo 1) crash(es) (log $log)"
  if [ "$status" -ne 0 ]; then
    grep -E "ERROR|invariant broken|runtime error|Test unit written" "$log" | head -n 20 >&2
    return 1
  fi
}

failed=0
pids=()
for name in "${targets[@]}"; do
  if [ "$jobs" -le 1 ]; then
    run_one "$name" || failed=1
  else
    run_one "$name" &
    pids+=($!)
    if [ "${#pids[@]}" -ge "$jobs" ]; then
      wait "${pids[0]}" || failed=1
      pids=("${pids[@]:1}")
    fi
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
exit "$failed"
