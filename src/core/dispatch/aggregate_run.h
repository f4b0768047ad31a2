#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/dispatch/hold.h"
#include "core/dispatch/ports.h"
#include "core/dispatch/warning.h"
#include "core/result.h"

namespace dispatcher::core::dispatch {

/// A message of a run that goes to the dead-letter topic in place of its event.
struct DeadLetterEntry {
  std::size_t index = 0;  ///< into AggregateRun::messages
  std::string reason;     ///< the poison error, described (code and message, never a value)
};

/// One aggregate's part of an invocation, as RunPlanner plans it: the messages to publish, in
/// version order.
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

}  // namespace dispatcher::core::dispatch
