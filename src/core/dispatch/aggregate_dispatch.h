#pragma once

// One aggregate's way through the waves of an invocation (internal to the Dispatcher), and what
// can be said about it without I/O: where it stops, which hold to store.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/dispatch/aggregate_run.h"
#include "core/dispatch/dispatch_planner.h"
#include "core/dispatch/dispatch_report.h"
#include "core/dispatch/hold.h"
#include "core/dispatch/offset_item.h"
#include "core/dispatch/ports.h"
#include "core/result.h"

namespace dispatcher::core::dispatch {

/// Work of an aggregate that must be retried by Lambda: reported in batchItemFailures.
struct Retry {
  Phase phase = Phase::kWriteMarkers;
  Error error;
};

/// One aggregate's way through the waves of an invocation. It ends in exactly one of: done
/// (everything read was delivered and committed), held (run.hold), or retry.
struct AggregateDispatch {
  const PlannedDispatch* plan = nullptr;
  OffsetState stored;              ///< the offsets item as read
  bool offset_unreadable = false;  ///< read_offsets said InvalidOffsetItem
  EventPage page;
  /// event_timestamp of each page item, read before planning hands the items' texts over to the
  /// messages (for the lag of what is delivered).
  std::vector<std::optional<std::chrono::system_clock::time_point>> event_times;
  AggregateRun run;
  std::size_t delivered = 0;  ///< messages[0, delivered) confirmed by Kafka
  bool committed = false;     ///< the offset (and hold) write of this invocation landed
  /// No further wave reads, publishes or plans for it; the commit wave may still store its
  /// delivered prefix and hold.
  bool finished = false;
  std::optional<Retry> retry;  ///< reported after the delivered prefix is committed

  [[nodiscard]] std::optional<std::int64_t> offset() const noexcept { return stored.version; }

  /// The version the aggregate stops before when its data breaks at the next event to read
  /// (kUnknownVersion when its offset item cannot be read).
  [[nodiscard]] std::int64_t next_version(std::int64_t first_event_version) const noexcept;

  /// Whether run.messages[index] is a dead-letter message.
  [[nodiscard]] bool is_dead_letter(std::size_t index) const noexcept;

  /// The hold to store, with its start: kept from the stored hold when the aggregate is still
  /// stopped at the same place, `now` otherwise. nullopt when the run is not held.
  [[nodiscard]] std::optional<StoredHold> hold_to_store(
      std::chrono::system_clock::time_point now) const;

  /// Whether the offsets item must change although nothing was delivered: a new hold, or a
  /// stored hold that no longer applies.
  [[nodiscard]] bool hold_changed() const noexcept;

  /// The hold version of an aggregate whose offset item cannot be read: no version is known.
  static constexpr std::int64_t kUnknownVersion = -1;
};

}  // namespace dispatcher::core::dispatch
