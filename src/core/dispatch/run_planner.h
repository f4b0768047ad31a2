#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/dispatch/aggregate_run.h"
#include "core/dispatch/dead_letter_builder.h"
#include "core/dispatch/hold.h"
#include "core/dispatch/message_mapper.h"
#include "core/dispatch/poison_policy.h"
#include "core/dispatch/ports.h"
#include "core/dynamodb/attribute_value.h"
#include "core/result.h"

namespace dispatcher::core::dispatch {

/// Plans which events of one aggregate to publish now.
class RunPlanner {
 public:
  /// `dead_letter` is used under PoisonPolicy::kDeadLetter only.
  RunPlanner(MessageMapper mapper, PoisonPolicy poison_policy, std::int64_t first_event_version,
             DeadLetterOptions dead_letter = {})
      : mapper_(std::move(mapper)),
        poison_policy_(poison_policy),
        first_event_version_(first_event_version),
        dead_letter_(std::move(dead_letter)) {}

  /// The contiguous run that continues `committed_offset` (or starts at the first event version)
  /// in `items` (ascending by version, as the events Query returns them), mapped to messages.
  /// Stops, with a hold, at the first missing version (kGap); never skips a version. An event
  /// that cannot become a message is, under PoisonPolicy::kHold, where the run stops (kPoison);
  /// under kDeadLetter, a dead-letter message in its place (listed in dead_letters) and the run
  /// goes on. An unreadable version always holds (kPoison): the offset cannot move past it.
  [[nodiscard]] AggregateRun plan(const AggregateId& aggregate_id,
                                  std::optional<std::int64_t> committed_offset,
                                  std::span<const dynamodb::Item> items) const;

  /// As plan, handing the page over: the texts of the events it maps become the messages' by a
  /// move, not a copy (DESIGN §6: a copy at most between the page and librdkafka). Under
  /// PoisonPolicy::kDeadLetter the items are kept whole (copied from), because a broker's refusal
  /// after publishing needs the item for its dead letter.
  [[nodiscard]] AggregateRun plan_moving(const AggregateId& aggregate_id,
                                         std::optional<std::int64_t> committed_offset,
                                         std::span<dynamodb::Item> items) const;

  /// The dead-letter message for `item` at `version` of `aggregate_id`, refused for `reason` (by
  /// the mapper or the broker). The original topic is given when the template renders.
  [[nodiscard]] OutgoingMessage dead_letter(const AggregateId& aggregate_id, std::int64_t version,
                                            const dynamodb::Item& item, Error reason) const;

  [[nodiscard]] std::int64_t first_event_version() const noexcept { return first_event_version_; }
  [[nodiscard]] PoisonPolicy poison_policy() const noexcept { return poison_policy_; }

 private:
  template <typename ItemSpan>
  [[nodiscard]] AggregateRun plan_run(const AggregateId& aggregate_id,
                                      std::optional<std::int64_t> committed_offset,
                                      ItemSpan items) const;

  MessageMapper mapper_;
  PoisonPolicy poison_policy_;
  std::int64_t first_event_version_;
  DeadLetterBuilder dead_letter_;
};

}  // namespace dispatcher::core::dispatch
