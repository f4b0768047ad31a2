#include "core/dispatch/dispatch_planner.h"

#include <string_view>
#include <unordered_map>

#include "core/dispatch/sequence_number.h"

namespace dispatcher::core::dispatch {

DispatchPlan plan_dispatch(std::span<const StreamRecord> records) {
  DispatchPlan plan;
  std::unordered_map<std::string_view, std::size_t> index_by_aggregate;
  for (const StreamRecord& record : records) {
    if (record_kind(record.version) != RecordKind::kMarker) {
      continue;
    }
    const auto [found, inserted] =
        index_by_aggregate.try_emplace(record.aggregate_id, plan.dispatches.size());
    if (inserted) {
      plan.dispatches.push_back(PlannedDispatch{.aggregate_id = record.aggregate_id,
                                                .lowest_sequence_number = record.sequence_number,
                                                .highest_sequence_number = record.sequence_number});
      continue;
    }
    PlannedDispatch& dispatch = plan.dispatches[found->second];
    if (compare_sequence_numbers(record.sequence_number, dispatch.lowest_sequence_number) < 0) {
      dispatch.lowest_sequence_number = record.sequence_number;
    }
    if (compare_sequence_numbers(record.sequence_number, dispatch.highest_sequence_number) > 0) {
      dispatch.highest_sequence_number = record.sequence_number;
    }
  }
  return plan;
}

}  // namespace dispatcher::core::dispatch
