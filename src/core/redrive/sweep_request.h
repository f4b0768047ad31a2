#pragma once

// The scheduled reconciliation: the payload a schedule invokes the function with, and the state
// of the sweep pass kept in DynamoDB between invocations (its resume token).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/dynamodb/attribute_value.h"
#include "core/operator/sweep_plan.h"
#include "core/result.h"

namespace dispatcher::core::redrive {

/// {"sweep": {"rate": N, "pageSize": N, "segments": N, "maxWaves": N}}; every member optional.
struct SweepRequest {
  double rate = 50.0;                     ///< doorbells per second at most
  std::int64_t page_size = 500;           ///< items per Scan page (spreads the read capacity used)
  std::int64_t segments = 4;              ///< parallel Scan segments of a new pass
  std::optional<std::int64_t> max_waves;  ///< waves per invocation at most (else: the budget)

  friend bool operator==(const SweepRequest&, const SweepRequest&) = default;
};

/// Error: permanent "InvalidSweepRequest" naming the member: not JSON, no "sweep" object, a
/// member of the wrong type or out of range (rate > 0; pageSize 1..10000; segments 1..64;
/// maxWaves >= 1).
[[nodiscard]] Result<SweepRequest> parse_sweep_request(std::string_view payload);

/// The offsets-table item that holds the sweep state. Not an aggregate: aggregate ids are
/// "streamType:streamId", and the dispatcher never reads offsets items it was not rung for.
inline constexpr std::string_view kSweepStateId = "#dispatcher:sweep";

/// Where the sweep stands across invocations.
struct SweepState {
  /// The pass in progress (the resume token); nullopt: the next sweep starts a new pass.
  std::optional<operator_tools::ScanProgress> progress;
  std::optional<std::int64_t> pass_started_ms;  ///< when the pass in progress began (epoch ms)
  /// When the last finished pass began: every event written before then has been looked at.
  std::optional<std::int64_t> completed_pass_started_ms;
  /// Optimistic concurrency: the stored revision (0: no item yet); a write expects it unchanged.
  std::int64_t revision = 0;
};

/// Reads the stored item (nullopt: none yet, an empty state). Error: permanent
/// "InvalidSweepState" naming the attribute (a token that is not what sweep_state_item writes).
[[nodiscard]] Result<SweepState> sweep_state_from_item(const std::optional<dynamodb::Item>& item);

/// The attributes to store for `state` (without the key), revision included as given.
[[nodiscard]] dynamodb::Item sweep_state_attributes(const SweepState& state);

/// Whether a finished pass covers a range given up at `given_up_ms`: it began at or after it, so
/// it looked at every aggregate after every event of the range was written.
[[nodiscard]] bool pass_covers(const SweepState& state, std::int64_t given_up_ms) noexcept;

}  // namespace dispatcher::core::redrive
