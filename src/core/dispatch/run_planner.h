#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/dispatch/dead_letter_builder.h"
#include "core/dispatch/hold.h"
#include "core/dispatch/message_mapper.h"
#include "core/dispatch/ports.h"
#include "core/dispatch/warning.h"
#include "core/dynamodb/attribute_value.h"
#include "core/result.h"

namespace dispatcher::core::dispatch {

/// What to do with an event that can never become a valid message.
enum class PoisonPolicy : unsigned char {
  /// Stop the aggregate before the event and report it; the other aggregates go on. Releasing it is
  /// an operator's decision (fix the item: its MODIFY record rings the doorbell again).
  kHold,
  /// Put a dead-letter message (original payload, reason in headers) in the run at the event's
  /// place instead, so order is kept, the offset moves past it and the aggregate continues.
  kDeadLetter,
};

/// A message of a run that goes to the dead-letter topic in place of its event.
struct DeadLetterEntry {
  std::size_t index = 0;  ///< into AggregateRun::messages
  std::string reason;     ///< the poison error, described (code and message, never a value)
};

/// One aggregate's part of an invocation: the messages to publish, in version order.
struct AggregateRun {
  std::int64_t first_version = 0;             ///< version of messages[0] (when there is one)
  std::vector<OutgoingMessage> messages;      ///< versions first_version, first_version + 1, ...
  bool covers_page = false;                   ///< every item read is in messages
  std::optional<Hold> hold;                   ///< why the run stops before the end of the page
  std::vector<DeadLetterEntry> dead_letters;  ///< ascending by index (PoisonPolicy::kDeadLetter)
  std::vector<Warning> warnings;              ///< the mapper's (e.g. an item header it dropped)
  /// The page broke the Query's promise (a version repeats or goes back): a permanent error,
  /// reported as a failure of the aggregate after the valid prefix is published.
  std::optional<Error> error;

  /// Version of the last message; nullopt when there is none.
  [[nodiscard]] std::optional<std::int64_t> last_version() const noexcept {
    if (messages.empty()) {
      return std::nullopt;
    }
    return first_version + static_cast<std::int64_t>(messages.size()) - 1;
  }
};

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
