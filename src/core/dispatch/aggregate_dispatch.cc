#include "core/dispatch/aggregate_dispatch.h"

#include <algorithm>

namespace dispatcher::core::dispatch {

std::int64_t AggregateDispatch::next_version(std::int64_t first_event_version) const noexcept {
  if (offset_unreadable) {
    return kUnknownVersion;
  }
  if (!run.messages.empty() || delivered > 0) {
    return run.first_version + static_cast<std::int64_t>(delivered);
  }
  return offset().value_or(first_event_version - 1) + 1;
}

bool AggregateDispatch::is_dead_letter(std::size_t index) const noexcept {
  return std::ranges::any_of(
      run.dead_letters, [index](const DeadLetterEntry& entry) { return entry.index == index; });
}

std::optional<StoredHold> AggregateDispatch::hold_to_store(
    std::chrono::system_clock::time_point now) const {
  if (!run.hold.has_value()) {
    return std::nullopt;
  }
  const std::int64_t since =
      stored.hold.has_value() && stored.hold->hold.same_stop(*run.hold)
          ? stored.hold->since_milliseconds
          : std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  return StoredHold{.hold = *run.hold, .since_milliseconds = since};
}

bool AggregateDispatch::hold_changed() const noexcept {
  if (retry.has_value() || (page.over_budget && page.items.empty())) {
    return false;  // nothing is known about the aggregate's state
  }
  if (run.hold.has_value()) {
    return !stored.hold.has_value() || !stored.hold->hold.same_stop(*run.hold);
  }
  return stored.hold.has_value() && !offset_unreadable;
}

}  // namespace dispatcher::core::dispatch
