#pragma once

namespace dispatcher::core::dispatch {

/// What to do with an event that can never become a valid message (DISPATCHER_POISON_POLICY).
enum class PoisonPolicy : unsigned char {
  /// Stop the aggregate before the event and report it; the other aggregates go on. Releasing it is
  /// an operator's decision (fix the item: its MODIFY record rings the doorbell again).
  kHold,
  /// Put a dead-letter message (original payload, reason in headers) in the run at the event's
  /// place instead, so order is kept, the offset moves past it and the aggregate continues.
  kDeadLetter,
};

}  // namespace dispatcher::core::dispatch
