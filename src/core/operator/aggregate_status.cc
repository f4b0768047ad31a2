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

std::string_view hold_source_name(HoldSource source) noexcept {
  switch (source) {
    case HoldSource::kStored:
      return "stored";
    case HoldSource::kDerived:
      return "derived";
  }
  return "unknown";
}

OffsetRecord read_offset_record(const std::optional<dynamodb::Item>& item) {
  if (!item) {
    return {};
  }
  auto state = dispatch::parse_offset_item(*item);
  if (state) {
    return OffsetRecord{.state = std::move(*state)};
  }
  OffsetRecord record{.problem = state.error().message};
  // The dispatcher stores a corrupt hold on an unreadable item (hold_version -1) beside the bad
  // attribute; it is read from the hold attributes alone, as far as they are readable.
  namespace attribute = dispatch::offset_attribute;
  const std::string* reason = dynamodb::string_attribute(*item, attribute::kHoldReason);
  const auto version = dynamodb::integer_attribute(*item, attribute::kHoldVersion);
  const auto reason_kind = reason != nullptr ? dispatch::parse_hold_reason(*reason) : std::nullopt;
  if (reason_kind && version) {
    const std::string* detail = dynamodb::string_attribute(*item, attribute::kHoldDetail);
    record.state.hold = dispatch::StoredHold{
        .hold = dispatch::Hold{.version = *version,
                               .reason = *reason_kind,
                               .detail = detail != nullptr ? *detail : std::string()},
        .since_milliseconds =
            dynamodb::integer_attribute(*item, attribute::kHeldSince).value_or(0)};
  }
  return record;
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

namespace {

AggregateStatus base_status(const ScannedAggregate& scanned, const OffsetRecord& offset,
                            std::int64_t first_event_version) {
  return AggregateStatus{
      .id = scanned.id,
      .head_version = scanned.head_version,
      .offset = offset.state.version,
      .lag =
          offset.problem ? 0 : lag(scanned.head_version, offset.state.version, first_event_version),
      .last_dispatched_milliseconds = offset.state.dispatched_at_milliseconds,
      .marker_trigger = scanned.marker_trigger,
  };
}

void hold_derived(AggregateStatus& status, dispatch::Hold hold) {
  status.condition = AggregateCondition::kHeld;
  status.hold = std::move(hold);
  status.hold_source = HoldSource::kDerived;
}

/// The offsets item decides alone: unreadable, or a stored hold. False: re-planning decides.
bool decided_by_offset_item(AggregateStatus& status, const OffsetRecord& offset) {
  if (offset.problem) {
    status.offset_problem = offset.problem;
  }
  if (offset.state.hold) {
    status.condition = AggregateCondition::kHeld;
    status.hold = offset.state.hold->hold;
    status.hold_source = HoldSource::kStored;
    status.held_since_milliseconds = offset.state.hold->since_milliseconds;
    return true;
  }
  if (offset.problem) {
    hold_derived(status, dispatch::Hold{.version = -1,
                                        .reason = dispatch::HoldReason::kCorrupt,
                                        .detail = "offset item unreadable: " + *offset.problem});
    return true;
  }
  return false;
}

}  // namespace

bool needs_events(const ScannedAggregate& scanned, const OffsetRecord& offset,
                  std::int64_t first_event_version) noexcept {
  return !offset.problem && !offset.state.hold &&
         lag(scanned.head_version, offset.state.version, first_event_version) > 0;
}

AggregateStatus assess(const ScannedAggregate& scanned, const OffsetRecord& offset,
                       std::span<const dynamodb::Item> events_after_offset,
                       const dispatch::RunPlanner& planner) {
  AggregateStatus status = base_status(scanned, offset, planner.first_event_version());
  if (decided_by_offset_item(status, offset) || status.lag == 0) {
    return status;
  }
  if (events_after_offset.empty()) {
    // The Scan saw events the Query no longer finds (deleted since): nothing is waiting.
    status.lag = 0;
    return status;
  }
  status.condition = AggregateCondition::kBehind;
  dispatch::AggregateRun run = planner.plan(scanned.id, offset.state.version, events_after_offset);
  if (run.hold) {
    hold_derived(status, std::move(*run.hold));
  } else if (run.error) {
    hold_derived(status, dispatch::Hold{.version = run.first_version +
                                                   static_cast<std::int64_t>(run.messages.size()),
                                        .reason = dispatch::HoldReason::kCorrupt,
                                        .detail = run.error->describe()});
  }
  return status;
}

AggregateStatus assess_unreadable_events(const ScannedAggregate& scanned,
                                         const OffsetRecord& offset, const Error& error,
                                         std::int64_t first_event_version) {
  AggregateStatus status = base_status(scanned, offset, first_event_version);
  if (decided_by_offset_item(status, offset)) {
    return status;
  }
  hold_derived(status,
               dispatch::Hold{.version = offset.state.version.value_or(first_event_version - 1) + 1,
                              .reason = dispatch::HoldReason::kCorrupt,
                              .detail = "events unreadable: " + error.describe()});
  return status;
}

}  // namespace dispatcher::core::operator_tools
