#pragma once

#include "core/clock.h"
#include "core/dispatch/dispatch_report.h"
#include "core/dispatch/dispatcher_options.h"
#include "core/dispatch/ports.h"
#include "core/dispatch/run_planner.h"
#include "core/dispatch/stream_batch.h"
#include "core/time_budget.h"

namespace dispatcher::core::dispatch {

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
