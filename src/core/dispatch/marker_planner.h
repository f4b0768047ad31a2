#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/dispatch/ports.h"
#include "core/dispatch/stream_batch.h"
#include "core/dispatch/warning.h"

namespace dispatcher::core::dispatch {

/// One change marker to write, with what to report when the write fails.
struct PlannedMarker {
  /// trigger = the sequence number of the aggregate's newest event record in the batch. A new
  /// event always has a new, higher sequence number, so the write changes the marker item and
  /// DynamoDB Streams emits a record (the doorbell rings); a retried batch writes the same value
  /// again and rings no extra doorbell.
  MarkerWrite write;
  /// The lowest sequence number of the aggregate's event records in the batch: if the write fails,
  /// Lambda must retry from there so that none of them is forgotten.
  std::string lowest_sequence_number;

  friend bool operator==(const PlannedMarker&, const PlannedMarker&) = default;
};

struct MarkerPlan {
  std::vector<PlannedMarker> markers;  ///< one per aggregate, in order of first appearance
  std::vector<Warning> warnings;       ///< records with a negative version that is not a marker
};

/// Plans one marker write per aggregate that has event records (version >= 0) in the batch and no
/// marker record: when the batch holds a marker record of the aggregate, its dispatch reads the
/// table after every record of the batch was written (the Query is strongly consistent), so it
/// covers the events and no new doorbell is needed. Records with a negative version other than
/// kMarkerVersion are ignored with a "UnknownNegativeVersion" warning. Sequence numbers compare
/// numerically. Precondition: every record's sequence number satisfies is_sequence_number.
[[nodiscard]] MarkerPlan plan_markers(std::span<const StreamRecord> records);

}  // namespace dispatcher::core::dispatch
