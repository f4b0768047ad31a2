#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/dispatch/ports.h"
#include "core/dispatch/stream_batch.h"

namespace dispatcher::core::dispatch {

/// One aggregate whose doorbell rang in the batch.
struct PlannedDispatch {
  AggregateId aggregate_id;
  /// The lowest sequence number of the aggregate's marker records in the batch: if its dispatch
  /// fails, Lambda must retry from there so that the doorbell rings again.
  std::string lowest_sequence_number;
  /// The highest one: a doorbell the dispatcher rings again names it, since any earlier write
  /// of that trigger made a record after it, which is not in this batch and still rings.
  std::string highest_sequence_number;

  friend bool operator==(const PlannedDispatch&, const PlannedDispatch&) = default;
};

struct DispatchPlan {
  std::vector<PlannedDispatch> dispatches;  ///< one per aggregate, in order of first appearance
};

/// Plans one dispatch per aggregate that has at least one marker record (version ==
/// kMarkerVersion) in the batch, however many it has: one dispatch reads everything written so
/// far. Other records are not looked at. Sequence numbers compare numerically.
/// Precondition: every record's sequence number satisfies is_sequence_number.
[[nodiscard]] DispatchPlan plan_dispatch(std::span<const StreamRecord> records);

}  // namespace dispatcher::core::dispatch
