#include "core/dispatch/marker_planner.h"

#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "core/dispatch/sequence_number.h"

namespace dispatcher::core::dispatch {

MarkerPlan plan_markers(std::span<const StreamRecord> records) {
  MarkerPlan plan;
  std::unordered_set<std::string_view> aggregates_with_marker_record;
  std::unordered_map<std::string_view, std::size_t> marker_index_by_aggregate;

  for (const StreamRecord& record : records) {
    switch (record_kind(record.version)) {
      case RecordKind::kMarker:
        aggregates_with_marker_record.insert(record.aggregate_id);
        break;
      case RecordKind::kUnknown:
        plan.warnings.push_back(Warning{
            .code = "UnknownNegativeVersion",
            .sequence_number = record.sequence_number,
            .message = "record of aggregate '" + record.aggregate_id + "' has version " +
                       std::to_string(record.version) +
                       ", which is neither an event (>= 0) nor a change marker (" +
                       std::to_string(kMarkerVersion) + "); ignored",
        });
        break;
      case RecordKind::kEvent: {
        const auto [found, inserted] =
            marker_index_by_aggregate.try_emplace(record.aggregate_id, plan.markers.size());
        if (inserted) {
          plan.markers.push_back(PlannedMarker{
              .write = MarkerWrite{.aggregate_id = record.aggregate_id,
                                   .trigger = record.sequence_number},
              .lowest_sequence_number = record.sequence_number,
          });
          break;
        }
        PlannedMarker& marker = plan.markers[found->second];
        // Batches are in stream order, but sibling shards and retries make no promise across
        // aggregates, so compare instead of trusting the position.
        if (compare_sequence_numbers(record.sequence_number, marker.write.trigger) > 0) {
          marker.write.trigger = record.sequence_number;
        }
        if (compare_sequence_numbers(record.sequence_number, marker.lowest_sequence_number) < 0) {
          marker.lowest_sequence_number = record.sequence_number;
        }
        break;
      }
    }
  }

  std::erase_if(plan.markers, [&](const PlannedMarker& marker) {
    return aggregates_with_marker_record.contains(marker.write.aggregate_id);
  });
  return plan;
}

}  // namespace dispatcher::core::dispatch
