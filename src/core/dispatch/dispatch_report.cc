#include "core/dispatch/dispatch_report.h"

namespace dispatcher::core::dispatch {

const char* phase_name(Phase phase) noexcept {
  switch (phase) {
    case Phase::kWriteMarkers:
      return "write-markers";
    case Phase::kReadOffsets:
      return "read-offsets";
    case Phase::kReadEvents:
      return "read-events";
    case Phase::kPlanRuns:
      return "plan-runs";
    case Phase::kPublish:
      return "publish";
    case Phase::kCommitOffsets:
      return "commit-offsets";
    case Phase::kContinue:
      return "continue";
  }
  return "unknown";
}

}  // namespace dispatcher::core::dispatch
