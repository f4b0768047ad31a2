#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/dispatch/message_mapper.h"
#include "core/dispatch/ports.h"
#include "core/dynamodb/attribute_value.h"
#include "core/result.h"

namespace dispatcher::core::dispatch {

/// What to do with an event that can never become a valid message.
enum class PoisonPolicy : unsigned char {
  /// Stop the aggregate before the event and report it; the other aggregates go on. Releasing it is
  /// an operator's decision (fix the item: its MODIFY record rings the doorbell again).
  kHold,
  // kDeadLetter can join here: plan_run would then put a dead-letter message (reason in headers)
  // in the run instead of stopping, and the run would go on.
};

enum class HoldReason : unsigned char {
  kGap,    ///< the version is not in the table (yet): its own stream record will ring the doorbell
  kPoison  ///< the version is there but cannot become a valid message
};

[[nodiscard]] constexpr const char* hold_reason_name(HoldReason reason) noexcept {
  return reason == HoldReason::kGap ? "gap" : "poison";
}

/// An aggregate stopped before `version`, on purpose. Not a failure: retrying changes nothing.
struct Hold {
  std::int64_t version = 0;
  HoldReason reason = HoldReason::kGap;
  std::string detail;  ///< for logs: what was found instead, or why the event is poison

  friend bool operator==(const Hold&, const Hold&) = default;
};

/// One aggregate's part of an invocation: the messages to publish, in version order.
struct AggregateRun {
  std::int64_t first_version = 0;         ///< version of messages[0] (when there is one)
  std::vector<OutgoingMessage> messages;  ///< versions first_version, first_version + 1, ...
  bool covers_page = false;               ///< every item read is in messages
  std::optional<Hold> hold;               ///< why the run stops before the end of the page
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
  RunPlanner(MessageMapper mapper, PoisonPolicy poison_policy, std::int64_t first_event_version)
      : mapper_(std::move(mapper)),
        poison_policy_(poison_policy),
        first_event_version_(first_event_version) {}

  /// The contiguous run that continues `committed_offset` (or starts at the first event version)
  /// in `items` (ascending by version, as the events Query returns them), mapped to messages.
  /// Stops, with a hold, at the first missing version (kGap) or at the first event that cannot
  /// become a message (kPoison, under PoisonPolicy::kHold); never skips a version.
  [[nodiscard]] AggregateRun plan(std::optional<std::int64_t> committed_offset,
                                  std::span<const dynamodb::Item> items) const;

  [[nodiscard]] std::int64_t first_event_version() const noexcept { return first_event_version_; }

 private:
  MessageMapper mapper_;
  PoisonPolicy poison_policy_;
  std::int64_t first_event_version_;
};

}  // namespace dispatcher::core::dispatch
