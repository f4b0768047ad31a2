#pragma once

// What one invocation of the Dispatcher did: the waves (Phase) it ran, and per aggregate whether
// it was delivered, held, dead-lettered or failed.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/dispatch/batch_response.h"
#include "core/dispatch/hold.h"
#include "core/dispatch/ports.h"
#include "core/dispatch/warning.h"
#include "core/result.h"

namespace dispatcher::core::dispatch {

/// The waves of an invocation, in order. Their number does not depend on the number of aggregates.
enum class Phase : unsigned char {
  kWriteMarkers,   ///< ring the doorbell of aggregates with new events
  kReadOffsets,    ///< one call for every aggregate whose doorbell rang
  kReadEvents,     ///< one call: a Query per aggregate, all in flight
  kPlanRuns,       ///< no I/O: contiguous runs, gaps, poison, messages
  kPublish,        ///< one call: every run through one producer
  kCommitOffsets,  ///< one call: forward-only offset writes
  kContinue,       ///< only when a per-invocation cap was hit: ring those doorbells again
};
inline constexpr std::size_t kPhaseCount = 7;

/// "write-markers", "read-offsets", "read-events", "plan-runs", "publish", "commit-offsets",
/// "continue".
[[nodiscard]] const char* phase_name(Phase phase) noexcept;

/// An aggregate that stopped on purpose (gap, poison, refused, corrupt). Not a failure: its
/// records are not retried; the missing version's own record (or the fixed item's record, or an
/// operator's release) rings the doorbell. The hold is stored in the offsets item.
struct HeldAggregate {
  AggregateId aggregate_id;
  Hold hold;
  std::int64_t since_milliseconds = 0;  ///< epoch ms when this hold began (kept across invocations)
};

/// An aggregate whose work did not finish; its sequence number is in the batch response.
struct FailedAggregate {
  AggregateId aggregate_id;
  Phase phase = Phase::kWriteMarkers;  ///< the wave that failed or was not started
  /// The record Lambda must retry from for this aggregate: the lowest of its event records (marker
  /// write failed) or of its marker records (anything later failed).
  std::string sequence_number;
  Error error;
  /// Messages Kafka confirmed whose offset is not committed: the retry sends them again (the
  /// allowed duplicate: a contiguous suffix, each message carrying messageId and version).
  std::size_t uncommitted_messages = 0;
};

/// An event that went to the dead-letter topic instead of its own (PoisonPolicy::kDeadLetter).
struct DeadLetteredEvent {
  AggregateId aggregate_id;
  std::int64_t version = 0;
  std::string reason;  ///< the poison error's code and message (never an attribute's value)
};

/// Dispatch lag of the events delivered in an invocation: the wall-clock time of delivery minus
/// the event's `timestamp` attribute.
struct LagSummary {
  std::size_t events = 0;  ///< events with a readable timestamp
  std::chrono::milliseconds max{0};
  std::chrono::milliseconds total{0};  ///< sum over `events`, for the average
};

/// What one invocation did, for the response, logs and metrics.
struct DispatchReport {
  BatchResponse response;
  std::size_t records = 0;                ///< stream records handled (after the parser's filter)
  std::size_t markers_written = 0;        ///< doorbells rung for new events
  std::size_t aggregates_dispatched = 0;  ///< aggregates whose doorbell rang in the batch
  std::size_t aggregates_published = 0;   ///< aggregates with at least one delivered message
  std::size_t events_published = 0;       ///< delivered messages
  std::size_t offsets_committed = 0;      ///< offsets moved forward by this invocation
  std::size_t offset_races_lost = 0;      ///< commits another writer had already overtaken
  std::size_t continuations = 0;  ///< doorbells rung again because a cap or the budget was hit
  std::size_t deferred = 0;       ///< aggregates not read at all: the byte budget was spent
  std::vector<HeldAggregate> held;
  std::vector<DeadLetteredEvent> dead_lettered;
  LagSummary lag;
  std::vector<FailedAggregate> failed;
  std::vector<Warning> warnings;  ///< the parser's, then the planners'
  /// Set when an error about the whole deployment happened (failure_scope kFailInvocation): the
  /// invocation must fail loudly; what could be done for other aggregates was done.
  std::optional<Error> invocation_error;
  /// Wall time per wave (monotonic clock), indexed by Phase; zero when the wave did not run.
  std::array<std::chrono::nanoseconds, kPhaseCount> phase_durations{};

  [[nodiscard]] std::chrono::nanoseconds duration(Phase phase) const noexcept {
    return phase_durations[static_cast<std::size_t>(phase)];
  }
};

}  // namespace dispatcher::core::dispatch
