#pragma once

#include <cstddef>

namespace dispatcher::core::redrive {

/// What one self-healing invocation (on-failure records, or a scheduled sweep) did; the source of
/// its metrics (observability/metrics.h, self_healing_metrics) and summary log line.
struct RedriveReport {
  std::size_t records = 0;          ///< on-failure records received
  std::size_t ranges_rung = 0;      ///< ranges read back and rung (acknowledged)
  std::size_t aggregates_rung = 0;  ///< doorbells rung by range redrives
  std::size_t ranges_trimmed = 0;   ///< ranges no longer in the stream: the sweep fallback
  std::size_t failures = 0;         ///< records not acknowledged (batchItemFailures)
  std::size_t sweep_aggregates_rung = 0;
  std::size_t sweep_waves = 0;
  std::size_t sweep_passes_completed = 0;
};

}  // namespace dispatcher::core::redrive
