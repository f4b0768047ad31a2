#include "core/dispatch/contiguous_run.h"

#include <limits>

namespace dispatcher::core::dispatch {

ContiguousRun find_contiguous_run(std::optional<std::int64_t> committed_offset,
                                  std::int64_t first_event_version,
                                  std::span<const std::int64_t> versions) noexcept {
  constexpr std::int64_t kMaxVersion = std::numeric_limits<std::int64_t>::max();
  ContiguousRun run;
  if (committed_offset.has_value() && *committed_offset == kMaxVersion) {
    // Nothing can follow the largest version; anything offered repeats it or goes back.
    run.first_version = kMaxVersion;
    if (!versions.empty()) {
      run.end = RunEnd::kOutOfOrder;
      run.found_version = versions.front();
    }
    return run;
  }
  run.first_version = committed_offset.has_value() ? *committed_offset + 1 : first_event_version;

  for (const std::int64_t version : versions) {
    const std::int64_t expected = run.next_version();
    // The largest representable version is never part of a run, so next_version() cannot
    // overflow; no real event store comes near it.
    if (version != expected || expected == kMaxVersion) {
      run.end = version > expected ? RunEnd::kGap : RunEnd::kOutOfOrder;
      run.found_version = version;
      return run;
    }
    ++run.length;
  }
  return run;
}

}  // namespace dispatcher::core::dispatch
