#!/usr/bin/env bash
# Instructions per event for each stage of the hot path, under callgrind (repeatable on a noisy
# machine). For each stage: callgrind's total at REPEATS=1 and REPEATS=3; the difference over 2
# repeats and the stage's events is the cost per event. map and produce are differences of the
# cumulative pipelines (see bench/pipeline_instructions.cc).
#
#   bench/instructions.sh [BUILD_DIR]     (default build/bench; produce needs KAFKA_BOOTSTRAP_SERVERS)
set -euo pipefail
build=${1:-build/bench}
harness="$build/bench/pipeline_instructions"
[[ -x $harness ]] || { echo "no $harness: cmake --preset bench && cmake --build --preset bench --target pipeline_instructions" >&2; exit 2; }

# total instructions of one run (all threads), from callgrind's summary
instructions() {
  local log
  log=$(mktemp)
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$harness" "$1" "$2" 2>"$log" >/dev/null \
    || { cat "$log" >&2; rm -f "$log"; return 1; }
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$log"
  rm -f "$log"
}

declare -A per_event
stages=(parse decode decode-map handle)
[[ -n ${KAFKA_BOOTSTRAP_SERVERS:-} ]] && stages+=(decode-map-produce)
for stage in "${stages[@]}"; do
  events=$("$harness" "$stage" 1 | sed -n 's/.*events=\([0-9]*\).*/\1/p')
  one=$(instructions "$stage" 1)
  three=$(instructions "$stage" 3)
  per_event[$stage]=$(( (three - one) / 2 / events ))
  printf '%-20s events=%-6s I(1)=%-12s I(3)=%-12s per event=%s\n' "$stage" "$events" "$one" "$three" "${per_event[$stage]}"
done
echo
echo "| stage | instructions per event |"
echo "| --- | --- |"
echo "| parse (stream event record) | ${per_event[parse]} |"
echo "| decode (Query page item) | ${per_event[decode]} |"
echo "| map | $(( per_event[decode-map] - per_event[decode] )) |"
if [[ -n ${per_event[decode-map-produce]:-} ]]; then
  echo "| produce (enqueue to delivery report) | $(( per_event[decode-map-produce] - per_event[decode-map] )) |"
fi
echo "| handle (core, instant ports) | ${per_event[handle]} |"
