#pragma once

// The pure parts of `bootstrap sweep`: which aggregates get their doorbell rung, at what pace, and
// the resumable position of a (parallel) Scan.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/dynamodb/attribute_value.h"
#include "core/operator/aggregate_status.h"
#include "core/result.h"

namespace dispatcher::core::operator_tools {

enum class SweepAction : unsigned char {
  kNone,  ///< up to date: nothing to do
  /// Behind without a stored hold: write a marker with a new trigger. A hold that re-planning
  /// derives is rung too: the dispatcher then stores its own verdict, which status and release
  /// read.
  kRing,
  kSkipHeld,  ///< a stored hold: not lost but held; a doorbell changes nothing, release it
};

[[nodiscard]] SweepAction sweep_action(const AggregateStatus& status) noexcept;

/// The marker trigger of a sweep: "sweep:<UTC time with milliseconds>". A new value on every sweep,
/// so the marker write changes the item and makes a stream record.
[[nodiscard]] std::string sweep_trigger(std::chrono::system_clock::time_point now);

/// Spaces actions `per_second` apart on a steady clock, without bursts after an idle period.
class RatePacer {
 public:
  /// `per_second` must be > 0 (throws std::invalid_argument otherwise: a caller's bug).
  explicit RatePacer(double per_second);

  /// Takes the next slot: how long to wait from `now` before acting (zero when due already).
  [[nodiscard]] std::chrono::steady_clock::duration take(std::chrono::steady_clock::time_point now);

 private:
  std::chrono::steady_clock::duration interval_;
  std::optional<std::chrono::steady_clock::time_point> next_;
};

/// Where each segment of a parallel Scan stands; what a resume token file holds.
struct SegmentProgress {
  std::optional<dynamodb::Item> exclusive_start_key;  ///< next page starts here; nullopt: start
  bool done = false;
  std::optional<ScannedAggregate> pending;  ///< ScanFold's kept-back aggregate at that point
};

struct ScanProgress {
  std::string table_name;
  std::vector<SegmentProgress> segments;  ///< one per segment; size = TotalSegments

  [[nodiscard]] bool done() const noexcept;
  /// A fresh Scan of `table_name` in `total_segments` segments (>= 1).
  [[nodiscard]] static ScanProgress start(std::string table_name, std::size_t total_segments);
};

[[nodiscard]] nlohmann::json scan_progress_to_json(const ScanProgress& progress);
/// Error (permanent "InvalidResumeToken"): not the shape scan_progress_to_json writes.
[[nodiscard]] Result<ScanProgress> scan_progress_from_json(const nlohmann::json& json);

}  // namespace dispatcher::core::operator_tools
