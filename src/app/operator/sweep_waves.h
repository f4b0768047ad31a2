#pragma once

// The one sweep loop, shared by `bootstrap sweep` (the operator command, its token in a file) and
// the function's scheduled / fallback sweep (its token in DynamoDB, inside the invocation's time
// budget): scan a wave, inspect what it completed, ring the doorbell of what is behind, skip
// stored holds, at a paced rate, and let the caller save the position after each wave.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/operator/operator_context.h"
#include "core/operator/aggregate_status.h"
#include "core/operator/sweep_plan.h"
#include "core/result.h"

namespace dispatcher::app::operator_tools {

/// What a sweep did so far (over one or several calls of sweep_waves).
struct SweepTally {
  std::vector<std::string> rang;                            ///< aggregates rung (or that would be)
  std::vector<core::operator_tools::AggregateStatus> held;  ///< stored holds, skipped
  std::size_t derived_holds = 0;  ///< rung so that the dispatcher stores the hold
  std::map<std::string, std::size_t> skipped_by_reason;
  std::size_t aggregates = 0;
  std::size_t items = 0;
  std::size_t waves = 0;  ///< waves completed
};

struct SweepWaveHooks {
  /// Asked before each wave; false stops the sweep there (the position is what was last saved).
  std::function<bool()> start_wave = [] { return true; };
  /// The deadline of the next call.
  std::function<core::Deadline()> deadline;
  /// Paces a doorbell: wait this long before ringing. False: there is no time for it, so the
  /// sweep stops and this wave is undone (its position is not kept; its aggregates are scanned
  /// again next time, and ringing those already rung again is harmless).
  std::function<bool(std::chrono::steady_clock::duration)> wait;
  /// Told about every aggregate that needs an action, after it is taken (for output).
  std::function<void(const core::operator_tools::AggregateStatus&,
                     core::operator_tools::SweepAction)>
      on_action = [](const auto&, auto) {};
  /// After each completed wave, with the position to save.
  std::function<core::Status(const core::operator_tools::ScanProgress&)> after_wave =
      [](const auto&) { return core::Status{}; };
};

enum class SweepEnd : unsigned char {
  kPassFinished,  ///< the whole table was scanned
  kStopped,       ///< a hook stopped it; `progress` is where to resume
};

/// Runs waves of `progress` (with `folds`, one per segment) until the scan is done or a hook stops
/// it, ringing with `trigger` (nothing is written when `dry_run`). Errors: the first DynamoDB or
/// after_wave error (progress is then where the last completed wave left it).
[[nodiscard]] core::Result<SweepEnd> sweep_waves(OperatorContext& context,
                                                 core::operator_tools::ScanProgress& progress,
                                                 std::vector<core::operator_tools::ScanFold>& folds,
                                                 const std::string& trigger, bool dry_run,
                                                 std::optional<std::int64_t> page_size,
                                                 core::operator_tools::RatePacer& pacer,
                                                 SweepTally& tally, const SweepWaveHooks& hooks);

/// One doorbell: the dispatcher's own marker write with `trigger`.
[[nodiscard]] core::Status ring_doorbell(OperatorContext& context, const std::string& aggregate_id,
                                         const std::string& trigger, core::Deadline deadline);

}  // namespace dispatcher::app::operator_tools
