#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/dispatch/batch_response.h"
#include "core/dispatch/ports.h"
#include "core/dispatch/run_planner.h"
#include "core/dispatch/stream_batch.h"
#include "core/dispatch/warning.h"
#include "core/result.h"
#include "core/time_budget.h"

namespace dispatcher::core::dispatch {

struct DispatcherOptions {
  /// KAFKA_TOPIC_OUTPUT: a topic name or a template over the event's fields (TopicTemplate).
  std::string topic;
  std::int64_t first_event_version = 0;          ///< the version an aggregate's first event has
  std::size_t max_events_per_aggregate = 10000;  ///< read per aggregate and invocation; the rest
                                                 ///< goes to the next invocation (continuation)
  std::size_t max_message_bytes = 1000000;       ///< see MessageMapperOptions
  /// DISPATCHER_DEADLINE_MARGIN_MS: kept free before the runtime's deadline for answering. All
  /// work, every port call included, ends by deadline - margin (the invocation's TimeBudget).
  std::chrono::milliseconds deadline_safety_margin{2000};
  /// DISPATCHER_MAX_READ_BYTES: what the events read in one invocation may hold in memory (about
  /// the items' size; the messages take the items' texts over, librdkafka reads values in place).
  /// Aggregates over it continue in the next invocation through their doorbell.
  std::size_t max_read_bytes = std::size_t{64} << 20U;
  PoisonPolicy poison_policy = PoisonPolicy::kHold;  ///< DISPATCHER_POISON_POLICY
  std::string dead_letter_topic;  ///< DISPATCHER_DEAD_LETTER_TOPIC (required with kDeadLetter)
  std::string source_table;       ///< EVENTS_TABLE_NAME, named in dead-letter headers
  /// KAFKA_CLOUDEVENTS_HEADERS=true: CloudEvents binary-mode headers (MessageMapperOptions).
  std::optional<CloudEventsOptions> cloud_events;
};

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

/// The run planner the dispatcher builds from `options` (topic template, message size limit, first
/// event version, poison policy and dead-letter topic); the operator commands judge holds with the
/// same one. Throws std::invalid_argument for options the Dispatcher constructor refuses.
[[nodiscard]] RunPlanner make_run_planner(const DispatcherOptions& options);

/// Handles one batch of DynamoDB Streams records: rings doorbells for new events, and for rung
/// doorbells publishes each aggregate's contiguous run of undispatched events in version order and
/// commits its offset. Holds no state between invocations; safe to call again after a crash.
class Dispatcher {
 public:
  /// Throws std::invalid_argument when the options are unusable (empty or invalid topic template,
  /// negative first event version, zero max events or max message bytes, negative margin, a
  /// dead-letter policy without a legal dead-letter topic): a start-up error.
  Dispatcher(EventStore& event_store, Publisher& publisher, const Clock& clock,
             DispatcherOptions options);

  /// Runs the waves (see Phase) for `batch`, each for all aggregates at once, within one
  /// TimeBudget: every port call ends by `deadline` - deadline_safety_margin, and a wave that
  /// cannot start in time fails its aggregates as retryable. Errors are settled by
  /// failure_scope: transient ones fail the aggregate (retried by Lambda), permanent ones about
  /// an aggregate's data hold it (reason corrupt), deployment-wide ones also set
  /// invocation_error. Holds are stored in the offsets item with the commit. Under
  /// PoisonPolicy::kDeadLetter, a message the broker refuses for good is replaced by its
  /// dead-letter message, which is published with the rest of its run in one extra publish call
  /// (only when such a refusal happened). Never fails as a whole: every
  /// aggregate that did not finish is in report.failed and its sequence number in the response, so
  /// Lambda retries from there while the others are done. Holds are reported, not failed.
  [[nodiscard]] DispatchReport handle(const StreamBatch& batch, Deadline deadline);

  /// As above within an explicit budget (the standalone runner keeps its own, shorter margin).
  [[nodiscard]] DispatchReport handle(const StreamBatch& batch, TimeBudget budget);

  [[nodiscard]] const DispatcherOptions& options() const noexcept { return options_; }

 private:
  EventStore& event_store_;
  Publisher& publisher_;
  const Clock& clock_;
  DispatcherOptions options_;
  RunPlanner run_planner_;
};

}  // namespace dispatcher::core::dispatch
