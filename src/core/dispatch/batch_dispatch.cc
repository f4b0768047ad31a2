#include "core/dispatch/batch_dispatch.h"

#include <algorithm>
#include <iterator>
#include <span>
#include <string>
#include <utility>

#include "core/dispatch/dispatch_planner.h"
#include "core/dispatch/event_timestamp.h"
#include "core/dispatch/failure_scope.h"

namespace dispatcher::core::dispatch {

BatchDispatch::BatchDispatch(EventStore& event_store, Publisher& publisher, const Clock& clock,
                             const DispatcherOptions& options, const RunPlanner& run_planner,
                             TimeBudget budget)
    : event_store_(event_store),
      publisher_(publisher),
      clock_(clock),
      options_(options),
      run_planner_(run_planner),
      waves_(clock, budget, report_.phase_durations) {}

DispatchReport BatchDispatch::run(const StreamBatch& batch) && {
  report_.records = batch.records.size();
  report_.warnings = batch.warnings;

  MarkerPlan marker_plan = plan_markers(batch.records);
  std::ranges::move(marker_plan.warnings, std::back_inserter(report_.warnings));
  const DispatchPlan dispatch_plan = plan_dispatch(batch.records);
  report_.aggregates_dispatched = dispatch_plan.dispatches.size();
  dispatches_.reserve(dispatch_plan.dispatches.size());
  for (const PlannedDispatch& plan : dispatch_plan.dispatches) {
    dispatches_.push_back(AggregateDispatch{.plan = &plan});
  }

  write_markers(marker_plan.markers);
  read_offsets();
  read_events();
  plan_runs();
  publish();
  publish_dead_letters();
  commit_offsets();
  ring_again();
  finish();
  return std::move(report_);
}

void BatchDispatch::settle(AggregateDispatch& dispatch, Phase phase, Error error) {
  dispatch.finished = true;
  switch (failure_scope(error)) {
    case FailureScope::kFailInvocation:
      note_deployment_error(error);
      dispatch.retry = Retry{.phase = phase, .error = std::move(error)};
      return;
    case FailureScope::kRetry:
      dispatch.retry = Retry{.phase = phase, .error = std::move(error)};
      return;
    case FailureScope::kHoldAggregate:
      dispatch.run.hold = Hold{.version = dispatch.next_version(run_planner_.first_event_version()),
                               .reason = HoldReason::kCorrupt,
                               .detail = std::string(phase_name(phase)) + ": " + error.describe()};
      dispatch.run.covers_page = false;
      return;
  }
}

void BatchDispatch::note_deployment_error(const Error& error) {
  if (failure_scope(error) == FailureScope::kFailInvocation &&
      !report_.invocation_error.has_value()) {
    report_.invocation_error = error;
  }
}

void BatchDispatch::fail_marker(const PlannedMarker& marker, Error error) {
  note_deployment_error(error);
  report_.failed.push_back(FailedAggregate{.aggregate_id = marker.write.aggregate_id,
                                           .phase = Phase::kWriteMarkers,
                                           .sequence_number = marker.lowest_sequence_number,
                                           .error = std::move(error)});
}

std::vector<AggregateDispatch*> BatchDispatch::unfinished() {
  std::vector<AggregateDispatch*> selected;
  for (AggregateDispatch& dispatch : dispatches_) {
    if (!dispatch.finished) {
      selected.push_back(&dispatch);
    }
  }
  return selected;
}

void BatchDispatch::write_markers(const std::vector<PlannedMarker>& markers) {
  waves_.run(Phase::kWriteMarkers, "write_markers", std::span(markers),
             WaveSteps{.request = [](const PlannedMarker& marker) { return marker.write; },
                       .call =
                           [&](std::span<const MarkerWrite> writes) {
                             return event_store_.write_markers(writes,
                                                               waves_.keeping(kCommitReserve));
                           },
                       .take =
                           [&](const PlannedMarker& marker, const MarkerWrite&, Status status) {
                             if (status) {
                               ++report_.markers_written;
                               return;
                             }
                             // Retrying from the aggregate's lowest event record rewrites the
                             // marker for all.
                             fail_marker(marker, std::move(status.error()));
                           },
                       .refuse = [&](const PlannedMarker& marker,
                                     const Error& refusal) { fail_marker(marker, refusal); }});
}

void BatchDispatch::read_offsets() {
  auto selected = unfinished();
  waves_.run(
      Phase::kReadOffsets, "read_offsets", std::span(selected),
      WaveSteps{
          .request = [](AggregateDispatch* dispatch) { return dispatch->plan->aggregate_id; },
          .call =
              [&](std::span<const AggregateId> aggregate_ids) {
                return event_store_.read_offsets(aggregate_ids, waves_.keeping(kCommitReserve));
              },
          .take =
              [&](AggregateDispatch* dispatch, const AggregateId&, Result<OffsetState> offset) {
                if (!offset) {
                  dispatch->offset_unreadable = offset.error().code == "InvalidOffsetItem";
                  settle(*dispatch, Phase::kReadOffsets, std::move(offset.error()));
                  return;
                }
                dispatch->stored = std::move(*offset);
              },
          .refuse =
              [&](AggregateDispatch* dispatch, const Error& refusal) {
                settle(*dispatch, Phase::kReadOffsets, refusal);
              }});
}

void BatchDispatch::read_events() {
  auto selected = unfinished();
  waves_.run(
      Phase::kReadEvents, "read_events", std::span(selected),
      WaveSteps{
          .request =
              [&](const AggregateDispatch* dispatch) {
                // first_event_version >= 0 (checked at construction), so this cannot overflow.
                return EventQuery{.aggregate_id = dispatch->plan->aggregate_id,
                                  .after_version = dispatch->offset().value_or(
                                      run_planner_.first_event_version() - 1),
                                  .max_events = options_.max_events_per_aggregate};
              },
          .call =
              [&](std::span<const EventQuery> queries) {
                return event_store_.read_events(queries,
                                                ReadBudget{.max_bytes = options_.max_read_bytes},
                                                waves_.keeping(kCommitReserve));
              },
          .take =
              [&](AggregateDispatch* dispatch, const EventQuery&, Result<EventPage> page) {
                if (!page) {
                  settle(*dispatch, Phase::kReadEvents, std::move(page.error()));
                  return;
                }
                dispatch->page = std::move(*page);
              },
          .refuse = [&](AggregateDispatch* dispatch,
                        const Error& refusal) { settle(*dispatch, Phase::kReadEvents, refusal); }});
}

void BatchDispatch::plan_runs() {
  auto selected = unfinished();
  waves_.run_local(Phase::kPlanRuns, std::span(selected), [&](AggregateDispatch* dispatch) {
    dispatch->event_times.reserve(dispatch->page.items.size());
    for (const dynamodb::Item& item : dispatch->page.items) {
      dispatch->event_times.push_back(event_timestamp(item));
    }
    dispatch->run = run_planner_.plan_moving(dispatch->plan->aggregate_id, dispatch->offset(),
                                             dispatch->page.items);
    std::ranges::move(dispatch->run.warnings, std::back_inserter(report_.warnings));
    dispatch->run.warnings.clear();
    if (dispatch->run.error.has_value() && !dispatch->run.hold.has_value()) {
      // The store broke the Query's promise: the valid prefix goes out, then the aggregate is
      // held where its data stops making sense.
      dispatch->run.hold = Hold{.version = dispatch->run.first_version +
                                           static_cast<std::int64_t>(dispatch->run.messages.size()),
                                .reason = HoldReason::kCorrupt,
                                .detail = std::string(phase_name(Phase::kPlanRuns)) + ": " +
                                          dispatch->run.error->describe()};
      dispatch->run.covers_page = false;
    }
    if (dispatch->run.messages.empty()) {
      dispatch->finished = true;
    }
  });
}

void BatchDispatch::finish() {
  for (AggregateDispatch& dispatch : dispatches_) {
    if (dispatch.retry.has_value()) {
      report_.failed.push_back(FailedAggregate{
          .aggregate_id = dispatch.plan->aggregate_id,
          .phase = dispatch.retry->phase,
          .sequence_number = dispatch.plan->lowest_sequence_number,
          .error = std::move(dispatch.retry->error),
          .uncommitted_messages = dispatch.committed ? 0 : dispatch.delivered,
      });
    }
    for (const DeadLetterEntry& entry : dispatch.run.dead_letters) {
      if (entry.index < dispatch.delivered) {
        report_.dead_lettered.push_back(DeadLetteredEvent{
            .aggregate_id = dispatch.plan->aggregate_id,
            .version = dispatch.run.first_version + static_cast<std::int64_t>(entry.index),
            .reason = entry.reason});
      }
    }
    if (!dispatch.retry.has_value()) {
      if (auto stored = dispatch.hold_to_store(clock_.wall_now())) {
        report_.held.push_back(HeldAggregate{.aggregate_id = dispatch.plan->aggregate_id,
                                             .hold = std::move(stored->hold),
                                             .since_milliseconds = stored->since_milliseconds});
      }
    }
  }
  std::vector<std::string> failed_sequence_numbers;
  failed_sequence_numbers.reserve(report_.failed.size());
  for (const FailedAggregate& failure : report_.failed) {
    failed_sequence_numbers.push_back(failure.sequence_number);
  }
  report_.response = BatchResponse::from_failures(failed_sequence_numbers);
}

}  // namespace dispatcher::core::dispatch
