#include "core/dispatch/run_planner.h"

#include <type_traits>

#include "core/dispatch/contiguous_run.h"

namespace dispatcher::core::dispatch {

OutgoingMessage RunPlanner::dead_letter(const AggregateId& aggregate_id, std::int64_t version,
                                        const dynamodb::Item& item, Error reason) const {
  auto topic = mapper_.topic_for(item);
  return dead_letter_.build(
      item, PoisonEvent{.aggregate_id = aggregate_id,
                        .version = version,
                        .reason = std::move(reason),
                        .original_topic = topic ? std::optional(*topic) : std::nullopt});
}

AggregateRun RunPlanner::plan(const AggregateId& aggregate_id,
                              std::optional<std::int64_t> committed_offset,
                              std::span<const dynamodb::Item> items) const {
  return plan_run(aggregate_id, committed_offset, items);
}

AggregateRun RunPlanner::plan_moving(const AggregateId& aggregate_id,
                                     std::optional<std::int64_t> committed_offset,
                                     std::span<dynamodb::Item> items) const {
  if (poison_policy_ == PoisonPolicy::kDeadLetter) {
    return plan_run(aggregate_id, committed_offset, std::span<const dynamodb::Item>(items));
  }
  return plan_run(aggregate_id, committed_offset, items);
}

template <typename ItemSpan>
AggregateRun RunPlanner::plan_run(const AggregateId& aggregate_id,
                                  std::optional<std::int64_t> committed_offset,
                                  ItemSpan items) const {
  // Versions of the readable prefix; an item whose version is unreadable ends it.
  std::vector<std::int64_t> versions;
  versions.reserve(items.size());
  std::optional<Error> unreadable_version;
  for (const dynamodb::Item& item : items) {
    auto version = event_version(item);
    if (!version) {
      unreadable_version = std::move(version.error());
      break;
    }
    versions.push_back(*version);
  }

  const ContiguousRun run = find_contiguous_run(committed_offset, first_event_version_, versions);
  AggregateRun result;
  result.first_version = run.first_version;
  // NOLINTBEGIN(bugprone-unchecked-optional-access): found_version is set unless kEndOfInput
  switch (run.end) {
    case RunEnd::kGap:
      result.hold = Hold{.version = run.next_version(),
                         .reason = HoldReason::kGap,
                         .detail = "version " + std::to_string(run.next_version()) +
                                   " is missing; the next stored version is " +
                                   std::to_string(*run.found_version)};
      break;
    case RunEnd::kOutOfOrder:
      result.error = permanent_error("EventOrderViolation",
                                     "the events Query returned version " +
                                         std::to_string(*run.found_version) + " where version " +
                                         std::to_string(run.next_version()) + " or above was due");
      break;
    case RunEnd::kEndOfInput:
      if (unreadable_version.has_value()) {
        result.hold = Hold{.version = run.next_version(),
                           .reason = HoldReason::kPoison,
                           .detail = unreadable_version->describe()};
      }
      break;
  }
  // NOLINTEND(bugprone-unchecked-optional-access)

  result.messages.reserve(run.length);
  for (std::size_t index = 0; index < run.length; ++index) {
    // A mutable span hands the item over (plan_moving): its texts move into the message.
    auto message = [&] {
      if constexpr (std::is_const_v<typename ItemSpan::element_type>) {
        return mapper_.map(items[index], result.warnings);
      } else {
        return mapper_.map(std::move(items[index]), result.warnings);
      }
    }();
    if (!message) {
      const std::int64_t version = run.first_version + static_cast<std::int64_t>(index);
      switch (poison_policy_) {
        case PoisonPolicy::kHold:
          // The poison event comes before whatever stopped the run later: it is the hold now.
          result.hold = Hold{.version = version,
                             .reason = HoldReason::kPoison,
                             .detail = message.error().describe()};
          result.error.reset();
          return result;
        case PoisonPolicy::kDeadLetter:
          result.dead_letters.push_back(
              DeadLetterEntry{.index = index, .reason = message.error().describe()});
          result.messages.push_back(
              dead_letter(aggregate_id, version, items[index], std::move(message.error())));
          continue;
      }
    }
    result.messages.push_back(std::move(*message));
  }
  result.covers_page = !result.hold.has_value() && !result.error.has_value() &&
                       result.messages.size() == items.size();
  return result;
}

}  // namespace dispatcher::core::dispatch
