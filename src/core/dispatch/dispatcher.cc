#include "core/dispatch/dispatcher.h"

#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <utility>

#include "core/dispatch/dispatch_planner.h"
#include "core/dispatch/event_timestamp.h"
#include "core/dispatch/failure_scope.h"
#include "core/dispatch/marker_planner.h"
#include "core/time_budget.h"

namespace dispatcher::core::dispatch {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

/// Time kept after the publish wave for committing what it delivered (at most a quarter of what
/// is left when the wave starts).
constexpr milliseconds kCommitReserve{1000};
/// Time kept after the commit wave for ringing continuation doorbells.
constexpr milliseconds kContinueReserve{250};
/// The hold version of an aggregate whose offset item cannot be read: no version is known.
constexpr std::int64_t kUnknownVersion = -1;

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
};

/// The port's results for a wave, one per request. A port that answers with the wrong number of
/// results broke its contract; the requests without a result count as failed (retryable), so
/// Lambda retries them instead of the process dying on a broken adapter.
template <typename Value>
Value result_or_contract_error(std::vector<Value>& results, std::size_t index,
                               const char* port_call) {
  if (index < results.size()) {
    return std::move(results[index]);
  }
  return fail(retryable_error("PortContractViolation",
                              std::string(port_call) + " returned fewer results than requests"));
}

class Invocation {
 public:
  Invocation(EventStore& event_store, Publisher& publisher, const Clock& clock,
             const DispatcherOptions& options, const RunPlanner& run_planner, TimeBudget budget)
      : event_store_(event_store),
        publisher_(publisher),
        clock_(clock),
        options_(options),
        run_planner_(run_planner),
        budget_(budget) {}

  DispatchReport run(const StreamBatch& batch) {
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
    commit_offsets();
    ring_again();
    finish();
    return std::move(report_);
  }

 private:
  /// Why a wave may not start (the budget is spent), or nothing when it may.
  std::optional<Error> time_refusal(Phase phase) const {
    const auto left = budget_.left(clock_);
    if (left > milliseconds::zero()) {
      return std::nullopt;
    }
    return retryable_error(
        "DeadlineExceeded",
        std::string(phase_name(phase)) + " not started: the invocation's time budget is spent");
  }

  /// The deadline of a wave that is followed by others: it keeps time for them.
  Deadline wave_deadline(milliseconds reserve) const { return budget_.keeping(clock_, reserve); }

  void record_duration(Phase phase, std::chrono::steady_clock::time_point started) {
    report_.phase_durations[static_cast<std::size_t>(phase)] += clock_.now() - started;
  }

  /// The version an aggregate stops before when its data breaks at the next event to read.
  std::int64_t next_version(const AggregateDispatch& dispatch) const {
    if (dispatch.offset_unreadable) {
      return kUnknownVersion;
    }
    if (!dispatch.run.messages.empty() || dispatch.delivered > 0) {
      return dispatch.run.first_version + static_cast<std::int64_t>(dispatch.delivered);
    }
    return dispatch.offset().value_or(run_planner_.first_event_version() - 1) + 1;
  }

  /// The one place an error of one aggregate's work is settled (failure_scope decides).
  void settle(AggregateDispatch& dispatch, Phase phase, Error error) {
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
        dispatch.run.hold =
            Hold{.version = next_version(dispatch),
                 .reason = HoldReason::kCorrupt,
                 .detail = std::string(phase_name(phase)) + ": " + error.describe()};
        dispatch.run.covers_page = false;
        return;
    }
  }

  /// Keeps the first error about the whole deployment: it fails the invocation at the end.
  void note_deployment_error(const Error& error) {
    if (failure_scope(error) == FailureScope::kFailInvocation &&
        !report_.invocation_error.has_value()) {
      report_.invocation_error = error;
    }
  }

  /// A marker write that failed: its aggregate's event records are retried.
  void fail_marker(const PlannedMarker& marker, Error error) {
    note_deployment_error(error);
    report_.failed.push_back(FailedAggregate{.aggregate_id = marker.write.aggregate_id,
                                             .phase = Phase::kWriteMarkers,
                                             .sequence_number = marker.lowest_sequence_number,
                                             .error = std::move(error)});
  }

  template <typename Predicate>
  std::vector<AggregateDispatch*> dispatches_where(Predicate predicate) {
    std::vector<AggregateDispatch*> selected;
    for (AggregateDispatch& dispatch : dispatches_) {
      if (!dispatch.finished && predicate(dispatch)) {
        selected.push_back(&dispatch);
      }
    }
    return selected;
  }

  std::vector<AggregateDispatch*> unfinished() {
    return dispatches_where([](const AggregateDispatch&) { return true; });
  }

  /// Fails every aggregate in `selected` with the refusal when no time is left for `phase`.
  bool refuse_when_out_of_time(Phase phase, const std::vector<AggregateDispatch*>& selected) {
    const std::optional<Error> refusal = time_refusal(phase);
    if (!refusal.has_value()) {
      return false;
    }
    for (AggregateDispatch* dispatch : selected) {
      settle(*dispatch, phase, *refusal);
    }
    return true;
  }

  void write_markers(const std::vector<PlannedMarker>& markers) {
    if (markers.empty()) {
      return;
    }
    const auto started = clock_.now();
    if (const std::optional<Error> refusal = time_refusal(Phase::kWriteMarkers)) {
      for (const PlannedMarker& marker : markers) {
        fail_marker(marker, *refusal);
      }
      return;
    }
    std::vector<MarkerWrite> writes;
    writes.reserve(markers.size());
    for (const PlannedMarker& marker : markers) {
      writes.push_back(marker.write);
    }
    std::vector<Status> statuses =
        event_store_.write_markers(writes, wave_deadline(kCommitReserve));
    for (std::size_t index = 0; index < markers.size(); ++index) {
      Status status = result_or_contract_error(statuses, index, "write_markers");
      if (status) {
        ++report_.markers_written;
        continue;
      }
      // Retrying from the aggregate's lowest event record rewrites the marker for all of them.
      fail_marker(markers[index], std::move(status.error()));
    }
    record_duration(Phase::kWriteMarkers, started);
  }

  void read_offsets() {
    const auto selected = unfinished();
    if (selected.empty()) {
      return;
    }
    const auto started = clock_.now();
    if (refuse_when_out_of_time(Phase::kReadOffsets, selected)) {
      return;
    }
    std::vector<AggregateId> aggregate_ids;
    aggregate_ids.reserve(selected.size());
    for (const AggregateDispatch* dispatch : selected) {
      aggregate_ids.push_back(dispatch->plan->aggregate_id);
    }
    auto offsets = event_store_.read_offsets(aggregate_ids, wave_deadline(kCommitReserve));
    for (std::size_t index = 0; index < selected.size(); ++index) {
      auto offset = result_or_contract_error(offsets, index, "read_offsets");
      if (!offset) {
        selected[index]->offset_unreadable = offset.error().code == "InvalidOffsetItem";
        settle(*selected[index], Phase::kReadOffsets, std::move(offset.error()));
        continue;
      }
      selected[index]->stored = std::move(*offset);
    }
    record_duration(Phase::kReadOffsets, started);
  }

  void read_events() {
    const auto selected = unfinished();
    if (selected.empty()) {
      return;
    }
    const auto started = clock_.now();
    if (refuse_when_out_of_time(Phase::kReadEvents, selected)) {
      return;
    }
    std::vector<EventQuery> queries;
    queries.reserve(selected.size());
    for (const AggregateDispatch* dispatch : selected) {
      // first_event_version >= 0 (checked at construction), so this cannot overflow.
      const std::int64_t after_version =
          dispatch->offset().value_or(run_planner_.first_event_version() - 1);
      queries.push_back(EventQuery{.aggregate_id = dispatch->plan->aggregate_id,
                                   .after_version = after_version,
                                   .max_events = options_.max_events_per_aggregate});
    }
    auto pages = event_store_.read_events(queries, ReadBudget{.max_bytes = options_.max_read_bytes},
                                          wave_deadline(kCommitReserve));
    for (std::size_t index = 0; index < selected.size(); ++index) {
      auto page = result_or_contract_error(pages, index, "read_events");
      if (!page) {
        settle(*selected[index], Phase::kReadEvents, std::move(page.error()));
        continue;
      }
      selected[index]->page = std::move(*page);
    }
    record_duration(Phase::kReadEvents, started);
  }

  void plan_runs() {
    const auto selected = unfinished();
    if (selected.empty()) {
      return;
    }
    const auto started = clock_.now();
    for (AggregateDispatch* dispatch : selected) {
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
        dispatch->run.hold =
            Hold{.version = dispatch->run.first_version +
                            static_cast<std::int64_t>(dispatch->run.messages.size()),
                 .reason = HoldReason::kCorrupt,
                 .detail = std::string(phase_name(Phase::kPlanRuns)) + ": " +
                           dispatch->run.error->describe()};
        dispatch->run.covers_page = false;
      }
      if (dispatch->run.messages.empty()) {
        dispatch->finished = true;
      }
    }
    record_duration(Phase::kPlanRuns, started);
  }

  void publish() {
    const auto selected = unfinished();
    if (selected.empty()) {
      return;
    }
    const auto started = clock_.now();
    if (refuse_when_out_of_time(Phase::kPublish, selected)) {
      return;
    }
    std::vector<PublishRun> runs;
    runs.reserve(selected.size());
    for (AggregateDispatch* dispatch : selected) {
      runs.push_back(PublishRun{.messages = std::move(dispatch->run.messages)});
    }
    auto outcomes = publisher_.publish(runs, wave_deadline(kCommitReserve));
    const auto delivered_at = clock_.wall_now();
    std::vector<Rejection> rejections;
    std::vector<Rejection>* dead_letter_rejections =
        run_planner_.poison_policy() == PoisonPolicy::kDeadLetter ? &rejections : nullptr;
    for (std::size_t index = 0; index < selected.size(); ++index) {
      AggregateDispatch& dispatch = *selected[index];
      // Keep the messages: continuation needs the run's extent.
      dispatch.run.messages = std::move(runs[index].messages);
      accept_outcome(dispatch, outcome_or_contract_error(outcomes, index), 0, delivered_at,
                     dead_letter_rejections);
    }
    if (!rejections.empty()) {
      publish_dead_letters(rejections);
    }
    record_duration(Phase::kPublish, started);
  }

  /// A message the broker refused for good, under PoisonPolicy::kDeadLetter.
  struct Rejection {
    AggregateDispatch* dispatch = nullptr;
    Error error;
  };

  static PublishOutcome outcome_or_contract_error(std::vector<PublishOutcome>& outcomes,
                                                  std::size_t index) {
    if (index < outcomes.size()) {
      return std::move(outcomes[index]);
    }
    return PublishOutcome{.delivered = 0,
                          .error = retryable_error("PortContractViolation",
                                                   "publish returned fewer outcomes than runs")};
  }

  /// Takes the outcome of publishing dispatch.run.messages[first_sent, end). With `rejections`,
  /// a permanent refusal of an event's own message is queued for the dead-letter wave instead of
  /// holding the aggregate.
  void accept_outcome(AggregateDispatch& dispatch, const PublishOutcome& outcome,
                      std::size_t first_sent, std::chrono::system_clock::time_point delivered_at,
                      std::vector<Rejection>* rejections) {
    const std::size_t run_size = dispatch.run.messages.size();
    const std::size_t delivered_now = std::min(outcome.delivered, run_size - first_sent);
    add_lag(dispatch, first_sent, first_sent + delivered_now, delivered_at);
    if (dispatch.delivered == 0 && delivered_now > 0) {
      ++report_.aggregates_published;
    }
    dispatch.delivered = first_sent + delivered_now;
    report_.events_published += delivered_now;
    if (dispatch.delivered == run_size) {
      return;
    }
    Error error = outcome.error.value_or(retryable_error(
        "PublishIncomplete", "the publisher confirmed " + std::to_string(dispatch.delivered) +
                                 " of " + std::to_string(run_size) + " messages"));
    if (error.retryable() || failure_scope(error) == FailureScope::kFailInvocation) {
      settle(dispatch, Phase::kPublish, std::move(error));
      return;
    }
    if (rejections != nullptr && !is_dead_letter(dispatch.run, dispatch.delivered)) {
      rejections->push_back(Rejection{.dispatch = &dispatch, .error = std::move(error)});
      return;
    }
    // Kafka will never take this message: the aggregate is held before it, not a batch failure.
    dispatch.finished = true;
    dispatch.run.hold = Hold{.version = next_version(dispatch),
                             .reason = HoldReason::kRefused,
                             .detail = error.describe()};
    dispatch.run.covers_page = false;
  }

  static bool is_dead_letter(const AggregateRun& run, std::size_t index) {
    return std::ranges::any_of(
        run.dead_letters, [index](const DeadLetterEntry& entry) { return entry.index == index; });
  }

  /// The one extra publish call: each refused message's dead-letter message, then the rest of its
  /// run, so the run's order is kept and the aggregate continues.
  void publish_dead_letters(std::vector<Rejection>& rejections) {
    std::vector<AggregateDispatch*> selected;
    selected.reserve(rejections.size());
    for (const Rejection& rejection : rejections) {
      selected.push_back(rejection.dispatch);
    }
    if (refuse_when_out_of_time(Phase::kPublish, selected)) {
      return;
    }
    std::vector<PublishRun> runs;
    runs.reserve(rejections.size());
    for (Rejection& rejection : rejections) {
      AggregateDispatch& dispatch = *rejection.dispatch;
      const std::size_t index = dispatch.delivered;
      const std::int64_t version = dispatch.run.first_version + static_cast<std::int64_t>(index);
      const std::string reason = rejection.error.describe();
      dispatch.run.messages[index] =
          run_planner_.dead_letter(dispatch.plan->aggregate_id, version, dispatch.page.items[index],
                                   std::move(rejection.error));
      auto& entries = dispatch.run.dead_letters;
      const auto position = std::ranges::find_if(
          entries, [index](const DeadLetterEntry& entry) { return entry.index > index; });
      entries.insert(position, DeadLetterEntry{.index = index, .reason = reason});
      runs.push_back(
          PublishRun{.messages = std::vector<OutgoingMessage>(
                         dispatch.run.messages.begin() + static_cast<std::ptrdiff_t>(index),
                         dispatch.run.messages.end())});
    }
    auto outcomes = publisher_.publish(runs, wave_deadline(kCommitReserve));
    const auto delivered_at = clock_.wall_now();
    for (std::size_t index = 0; index < selected.size(); ++index) {
      AggregateDispatch& dispatch = *selected[index];
      accept_outcome(dispatch, outcome_or_contract_error(outcomes, index), dispatch.delivered,
                     delivered_at, nullptr);
    }
  }

  /// Dispatch lag of run messages [first, end), just confirmed at `delivered_at`.
  void add_lag(const AggregateDispatch& dispatch, std::size_t first, std::size_t end,
               std::chrono::system_clock::time_point delivered_at) {
    for (std::size_t index = first; index < end && index < dispatch.event_times.size(); ++index) {
      const auto& happened = dispatch.event_times[index];
      if (!happened.has_value()) {
        continue;
      }
      // A writer's clock ahead of ours is no lag, not a negative one.
      const auto lag =
          std::max(duration_cast<milliseconds>(delivered_at - *happened), milliseconds::zero());
      ++report_.lag.events;
      report_.lag.max = std::max(report_.lag.max, lag);
      report_.lag.total += lag;
    }
  }

  /// The hold to store for `dispatch`, with its start: kept from the stored hold when the
  /// aggregate is still stopped at the same place, now otherwise.
  std::optional<StoredHold> hold_to_store(const AggregateDispatch& dispatch) const {
    if (!dispatch.run.hold.has_value()) {
      return std::nullopt;
    }
    const auto& stored = dispatch.stored.hold;
    const std::int64_t since =
        stored.has_value() && stored->hold.same_stop(*dispatch.run.hold)
            ? stored->since_milliseconds
            : duration_cast<milliseconds>(clock_.wall_now().time_since_epoch()).count();
    return StoredHold{.hold = *dispatch.run.hold, .since_milliseconds = since};
  }

  /// Whether the offsets item must change although nothing was delivered: a new hold, or a
  /// stored hold that no longer applies.
  static bool hold_changed(const AggregateDispatch& dispatch) {
    if (dispatch.retry.has_value() || (dispatch.page.over_budget && dispatch.page.items.empty())) {
      return false;  // nothing is known about the aggregate's state
    }
    const auto& stored = dispatch.stored.hold;
    if (dispatch.run.hold.has_value()) {
      return !stored.has_value() || !stored->hold.same_stop(*dispatch.run.hold);
    }
    return stored.has_value() && !dispatch.offset_unreadable;
  }

  void commit_offsets() {
    std::vector<AggregateDispatch*> selected;
    for (AggregateDispatch& dispatch : dispatches_) {
      if (dispatch.delivered > 0 || hold_changed(dispatch)) {
        selected.push_back(&dispatch);
      }
    }
    if (selected.empty()) {
      return;
    }
    const auto started = clock_.now();
    // Not committing what was published is never silent: the aggregate fails, Lambda retries, and
    // the retry re-sends the delivered messages as a contiguous suffix (the allowed duplicate).
    if (const std::optional<Error> refusal = time_refusal(Phase::kCommitOffsets)) {
      for (AggregateDispatch* dispatch : selected) {
        if (dispatch->delivered > 0 && !dispatch->retry.has_value()) {
          dispatch->retry = Retry{.phase = Phase::kCommitOffsets, .error = *refusal};
        }
      }
      return;
    }
    std::vector<OffsetCommit> commits;
    commits.reserve(selected.size());
    for (const AggregateDispatch* dispatch : selected) {
      OffsetCommit commit{.aggregate_id = dispatch->plan->aggregate_id,
                          .read_offset = dispatch->offset(),
                          .offset_unreadable = dispatch->offset_unreadable,
                          .hold = hold_to_store(*dispatch)};
      if (dispatch->delivered > 0) {
        commit.version =
            dispatch->run.first_version + static_cast<std::int64_t>(dispatch->delivered) - 1;
      }
      commits.push_back(std::move(commit));
    }
    auto outcomes = event_store_.commit_offsets(commits, wave_deadline(kContinueReserve));
    for (std::size_t index = 0; index < selected.size(); ++index) {
      AggregateDispatch& dispatch = *selected[index];
      auto outcome = result_or_contract_error(outcomes, index, "commit_offsets");
      if (!outcome) {
        if (dispatch.delivered == 0) {
          // Only the hold's record failed; the hold itself stands and is reported. The next
          // invocation stores it.
          continue;
        }
        if (!dispatch.retry.has_value()) {
          // A delivered prefix that is not committed is always retried: it must not be lost
          // behind a hold the store could not record either.
          dispatch.retry = Retry{.phase = Phase::kCommitOffsets, .error = outcome.error()};
        }
        note_deployment_error(outcome.error());
        continue;
      }
      if (*outcome == CommitOutcome::kLostRace) {
        ++report_.offset_races_lost;
        continue;
      }
      dispatch.committed = true;
      if (commits[index].version.has_value()) {
        ++report_.offsets_committed;
      }
    }
    record_duration(Phase::kCommitOffsets, started);
  }

  /// Doorbells rung again so the rest goes out in the next invocation: an aggregate that had more
  /// events than one invocation reads, all of them delivered and committed; and an aggregate the
  /// byte budget left unread.
  void ring_again() {
    std::vector<AggregateDispatch*> selected;
    std::vector<MarkerWrite> writes;
    for (AggregateDispatch& dispatch : dispatches_) {
      if (dispatch.retry.has_value() || dispatch.run.hold.has_value()) {
        continue;
      }
      if (dispatch.committed && dispatch.page.more_available && dispatch.run.covers_page &&
          dispatch.delivered == dispatch.run.messages.size()) {
        // The committed version is new for this aggregate, so the write changes the marker item
        // and rings; a trigger that repeated an earlier value would ring nothing.
        writes.push_back(
            MarkerWrite{.aggregate_id = dispatch.plan->aggregate_id,
                        // NOLINTNEXTLINE(bugprone-unchecked-optional-access): delivered > 0
                        .trigger = "continue:" + std::to_string(*dispatch.run.last_version())});
      } else if (dispatch.page.over_budget && dispatch.delivered == 0 &&
                 dispatch.page.items.empty()) {
        // Not read at all. The newest marker record's sequence number is new to the marker item
        // unless an earlier attempt of this batch wrote it; that write's record came after every
        // record of the batch, so it is still to come and rings. (The lowest one could be the
        // trigger of a record in this very batch: writing it again would ring nothing.)
        ++report_.deferred;
        writes.push_back(
            MarkerWrite{.aggregate_id = dispatch.plan->aggregate_id,
                        .trigger = "deferred:" + dispatch.plan->highest_sequence_number});
      } else {
        continue;
      }
      selected.push_back(&dispatch);
    }
    if (selected.empty()) {
      return;
    }
    const auto started = clock_.now();
    if (const std::optional<Error> refusal = time_refusal(Phase::kContinue)) {
      for (AggregateDispatch* dispatch : selected) {
        dispatch->retry = Retry{.phase = Phase::kContinue, .error = *refusal};
      }
      return;
    }
    std::vector<Status> statuses = event_store_.write_markers(writes, budget_.respond_by());
    for (std::size_t index = 0; index < selected.size(); ++index) {
      Status status = result_or_contract_error(statuses, index, "write_markers");
      if (!status) {
        selected[index]->retry = Retry{.phase = Phase::kContinue, .error = status.error()};
        continue;
      }
      ++report_.continuations;
    }
    record_duration(Phase::kContinue, started);
  }

  void finish() {
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
        if (auto stored = hold_to_store(dispatch)) {
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

  EventStore& event_store_;
  Publisher& publisher_;
  const Clock& clock_;
  const DispatcherOptions& options_;
  const RunPlanner& run_planner_;
  TimeBudget budget_;
  std::vector<AggregateDispatch> dispatches_;
  DispatchReport report_;
};

}  // namespace

RunPlanner make_run_planner(const DispatcherOptions& options) {
  if (options.topic.empty()) {
    throw std::invalid_argument("dispatcher: the output topic is empty");
  }
  if (options.first_event_version < 0) {
    throw std::invalid_argument("dispatcher: first_event_version must be >= 0, got " +
                                std::to_string(options.first_event_version));
  }
  if (options.max_events_per_aggregate == 0) {
    throw std::invalid_argument("dispatcher: max_events_per_aggregate must be >= 1");
  }
  if (options.max_message_bytes == 0) {
    throw std::invalid_argument("dispatcher: max_message_bytes must be >= 1");
  }
  if (options.max_read_bytes == 0) {
    throw std::invalid_argument("dispatcher: max_read_bytes must be >= 1");
  }
  if (options.deadline_safety_margin.count() < 0) {
    throw std::invalid_argument("dispatcher: deadline_safety_margin must not be negative");
  }
  if (options.poison_policy == PoisonPolicy::kDeadLetter &&
      !is_legal_topic_name(options.dead_letter_topic)) {
    throw std::invalid_argument(
        "dispatcher: the dead-letter policy needs a legal dead-letter topic, got \"" +
        options.dead_letter_topic + "\"");
  }
  // MessageMapper throws std::invalid_argument for a topic template that does not parse.
  return RunPlanner(
      MessageMapper(MessageMapperOptions{.topic = options.topic,
                                         .max_message_bytes = options.max_message_bytes,
                                         .cloud_events = options.cloud_events}),
      options.poison_policy, options.first_event_version,
      DeadLetterOptions{.topic = options.dead_letter_topic,
                        .source_table = options.source_table,
                        .max_message_bytes = options.max_message_bytes});
}

const char* phase_name(Phase phase) noexcept {
  switch (phase) {
    case Phase::kWriteMarkers:
      return "write-markers";
    case Phase::kReadOffsets:
      return "read-offsets";
    case Phase::kReadEvents:
      return "read-events";
    case Phase::kPlanRuns:
      return "plan-runs";
    case Phase::kPublish:
      return "publish";
    case Phase::kCommitOffsets:
      return "commit-offsets";
    case Phase::kContinue:
      return "continue";
  }
  return "unknown";
}

Dispatcher::Dispatcher(EventStore& event_store, Publisher& publisher, const Clock& clock,
                       DispatcherOptions options)
    : event_store_(event_store),
      publisher_(publisher),
      clock_(clock),
      options_(std::move(options)),
      run_planner_(make_run_planner(options_)) {}

DispatchReport Dispatcher::handle(const StreamBatch& batch, Deadline deadline) {
  return handle(batch, TimeBudget(deadline, options_.deadline_safety_margin));
}

DispatchReport Dispatcher::handle(const StreamBatch& batch, TimeBudget budget) {
  return Invocation(event_store_, publisher_, clock_, options_, run_planner_, budget).run(batch);
}

}  // namespace dispatcher::core::dispatch
