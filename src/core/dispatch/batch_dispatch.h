#pragma once

// One StreamBatch's way through the waves of an invocation (internal to the Dispatcher; its public
// face is Dispatcher::handle). The member functions are defined by responsibility:
// batch_dispatch.cc (the order of the waves, reading, planning, settling, the report),
// publish_wave.cc (publishing and its accounting), dead_letter_wave.cc (the extra publish of
// dead letters for refused messages), offset_commit_wave.cc (commits and continuation doorbells).

#include <chrono>
#include <cstddef>
#include <vector>

#include "core/clock.h"
#include "core/dispatch/aggregate_dispatch.h"
#include "core/dispatch/dispatch_report.h"
#include "core/dispatch/dispatcher_options.h"
#include "core/dispatch/marker_planner.h"
#include "core/dispatch/ports.h"
#include "core/dispatch/run_planner.h"
#include "core/dispatch/stream_batch.h"
#include "core/dispatch/wave_runner.h"
#include "core/result.h"
#include "core/time_budget.h"

namespace dispatcher::core::dispatch {

/// Time kept after the publish wave for committing what it delivered (at most a quarter of what
/// is left when the wave starts).
inline constexpr std::chrono::milliseconds kCommitReserve{1000};
/// Time kept after the commit wave for ringing continuation doorbells.
inline constexpr std::chrono::milliseconds kContinueReserve{250};

/// Runs the waves (Phase) for one batch, each for all its aggregates at once. Used once.
class BatchDispatch {
 public:
  BatchDispatch(EventStore& event_store, Publisher& publisher, const Clock& clock,
                const DispatcherOptions& options, const RunPlanner& run_planner, TimeBudget budget);

  /// The waves, in order; see Dispatcher::handle.
  [[nodiscard]] DispatchReport run(const StreamBatch& batch) &&;

 private:
  /// A message the broker refused for good, under PoisonPolicy::kDeadLetter: its dead letter goes
  /// out in the dead-letter wave.
  struct Rejection {
    AggregateDispatch* dispatch = nullptr;
    Error error;
  };

  // The waves (batch_dispatch.cc unless said otherwise).
  void write_markers(const std::vector<PlannedMarker>& markers);
  void read_offsets();
  void read_events();
  void plan_runs();
  void publish();               // publish_wave.cc
  void publish_dead_letters();  // dead_letter_wave.cc
  void commit_offsets();        // offset_commit_wave.cc
  void ring_again();            // offset_commit_wave.cc
  void finish();

  /// The one place an error of one aggregate's work is settled (failure_scope decides).
  void settle(AggregateDispatch& dispatch, Phase phase, Error error);
  /// Keeps the first error about the whole deployment: it fails the invocation at the end.
  void note_deployment_error(const Error& error);
  /// A marker write that failed: its aggregate's event records are retried.
  void fail_marker(const PlannedMarker& marker, Error error);
  /// The aggregates no wave has finished with.
  [[nodiscard]] std::vector<AggregateDispatch*> unfinished();

  /// Publish accounting (publish_wave.cc): takes the outcome of publishing
  /// dispatch.run.messages[first_sent, end). With `queue_rejection`, a permanent refusal of an
  /// event's own message is queued for the dead-letter wave instead of holding the aggregate.
  void accept_outcome(AggregateDispatch& dispatch, const PublishOutcome& outcome,
                      std::size_t first_sent, std::chrono::system_clock::time_point delivered_at,
                      bool queue_rejection);
  /// Dispatch lag of run messages [first, end), just confirmed at `delivered_at`.
  void add_lag(const AggregateDispatch& dispatch, std::size_t first, std::size_t end,
               std::chrono::system_clock::time_point delivered_at);

  EventStore& event_store_;
  Publisher& publisher_;
  const Clock& clock_;
  const DispatcherOptions& options_;
  const RunPlanner& run_planner_;
  DispatchReport report_;
  WaveRunner waves_;  // after report_: it times the waves into report_.phase_durations
  std::vector<AggregateDispatch> dispatches_;
  std::vector<Rejection> rejections_;  ///< filled by publish, emptied by publish_dead_letters
};

}  // namespace dispatcher::core::dispatch
