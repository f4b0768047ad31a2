#include "core/operator/aggregate_status.h"

#include <algorithm>
#include <utility>

#include "core/dispatch/message_mapper.h"
#include "core/runner/state_keys.h"

namespace dispatcher::core::operator_tools {

bool is_reserved_id(std::string_view aggregate_id) noexcept {
  return runner::is_reserved_id(aggregate_id);
}

std::string_view condition_name(AggregateCondition condition) noexcept {
  switch (condition) {
    case AggregateCondition::kUpToDate:
      return "up-to-date";
    case AggregateCondition::kBehind:
      return "behind";
    case AggregateCondition::kHeld:
      return "held";
  }
  return "unknown";
}

std::vector<ScannedAggregate> ScanFold::add_page(std::span<const dynamodb::Item> items,
                                                 bool last_page) {
  std::vector<ScannedAggregate> complete;
  for (const dynamodb::Item& item : items) {
    const std::string* id = dynamodb::string_attribute(item, "id");
    const auto version = dynamodb::integer_attribute(item, "version");
    if (id == nullptr || !version || is_reserved_id(*id)) {
      continue;
    }
    if (pending_ && pending_->id != *id) {
      complete.push_back(std::move(*pending_));
      pending_.reset();
    }
    if (!pending_) {
      pending_ = ScannedAggregate{.id = *id};
    }
    if (*version == dispatch::kMarkerVersion) {
      if (const std::string* trigger = dynamodb::string_attribute(item, "trigger")) {
        pending_->marker_trigger = *trigger;
      }
    } else if (*version >= 0) {
      pending_->head_version = std::max(pending_->head_version.value_or(*version), *version);
    }
  }
  if (last_page && pending_) {
    complete.push_back(std::move(*pending_));
    pending_.reset();
  }
  return complete;
}

std::int64_t lag(std::optional<std::int64_t> head_version, std::optional<std::int64_t> offset,
                 std::int64_t first_event_version) noexcept {
  if (!head_version) {
    return 0;
  }
  const std::int64_t dispatched = offset.value_or(first_event_version - 1);
  return std::max<std::int64_t>(0, *head_version - dispatched);
}

AggregateStatus assess(const ScannedAggregate& scanned, const OffsetRecord& offset,
                       std::span<const dynamodb::Item> events_after_offset,
                       const dispatch::RunPlanner& planner) {
  AggregateStatus status{
      .id = scanned.id,
      .head_version = scanned.head_version,
      .offset = offset.version,
      .lag = lag(scanned.head_version, offset.version, planner.first_event_version()),
      .last_dispatched_milliseconds = offset.dispatched_at_milliseconds,
      .marker_trigger = scanned.marker_trigger,
  };
  if (status.lag == 0) {
    return status;
  }
  if (events_after_offset.empty()) {
    // The Scan saw events the Query no longer finds (deleted since): nothing is waiting.
    status.lag = 0;
    return status;
  }
  status.condition = AggregateCondition::kBehind;
  const dispatch::AggregateRun run = planner.plan(scanned.id, offset.version, events_after_offset);
  if (run.hold) {
    status.condition = AggregateCondition::kHeld;
    status.hold = run.hold;
  }
  return status;
}

}  // namespace dispatcher::core::operator_tools
