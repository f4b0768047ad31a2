// BatchDispatch's publish wave and its accounting: what a publish outcome means for one aggregate
// (delivered prefix, lag, retry, hold, or a dead letter to send).

#include <algorithm>
#include <span>
#include <string>
#include <utility>

#include "core/dispatch/batch_dispatch.h"
#include "core/dispatch/failure_scope.h"

namespace dispatcher::core::dispatch {

void BatchDispatch::publish() {
  auto selected = unfinished();
  const bool queue_rejections = run_planner_.poison_policy() == PoisonPolicy::kDeadLetter;
  std::chrono::system_clock::time_point delivered_at;
  waves_.run(
      Phase::kPublish, "publish", std::span(selected),
      WaveSteps{
          .request =
              [](AggregateDispatch* dispatch) {
                return PublishRun{.messages = std::move(dispatch->run.messages)};
              },
          .call =
              [&](std::span<const PublishRun> runs) {
                auto outcomes = publisher_.publish(runs, waves_.keeping(kCommitReserve));
                delivered_at = clock_.wall_now();
                return outcomes;
              },
          .take =
              [&](AggregateDispatch* dispatch, PublishRun& sent, const PublishOutcome& outcome) {
                // Keep the messages: continuation needs the run's extent.
                dispatch->run.messages = std::move(sent.messages);
                accept_outcome(*dispatch, outcome, 0, delivered_at, queue_rejections);
              },
          .refuse = [&](AggregateDispatch* dispatch,
                        const Error& refusal) { settle(*dispatch, Phase::kPublish, refusal); }});
}

void BatchDispatch::accept_outcome(AggregateDispatch& dispatch, const PublishOutcome& outcome,
                                   std::size_t first_sent,
                                   std::chrono::system_clock::time_point delivered_at,
                                   bool queue_rejection) {
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
  if (queue_rejection && !dispatch.is_dead_letter(dispatch.delivered)) {
    rejections_.push_back(Rejection{.dispatch = &dispatch, .error = std::move(error)});
    return;
  }
  // Kafka will never take this message: the aggregate is held before it, not a batch failure.
  dispatch.finished = true;
  dispatch.run.hold = Hold{.version = dispatch.next_version(run_planner_.first_event_version()),
                           .reason = HoldReason::kRefused,
                           .detail = error.describe()};
  dispatch.run.covers_page = false;
}

void BatchDispatch::add_lag(const AggregateDispatch& dispatch, std::size_t first, std::size_t end,
                            std::chrono::system_clock::time_point delivered_at) {
  using std::chrono::milliseconds;
  for (std::size_t index = first; index < end && index < dispatch.event_times.size(); ++index) {
    const auto& happened = dispatch.event_times[index];
    if (!happened.has_value()) {
      continue;
    }
    // A writer's clock ahead of ours is no lag, not a negative one.
    const auto lag = std::max(std::chrono::duration_cast<milliseconds>(delivered_at - *happened),
                              milliseconds::zero());
    ++report_.lag.events;
    report_.lag.max = std::max(report_.lag.max, lag);
    report_.lag.total += lag;
  }
}

}  // namespace dispatcher::core::dispatch
