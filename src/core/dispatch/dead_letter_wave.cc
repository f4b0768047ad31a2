// BatchDispatch's dead-letter wave (PoisonPolicy::kDeadLetter): the one extra publish call, only
// when the broker refused a message for good in the publish wave.

#include <algorithm>
#include <span>
#include <string>
#include <utility>

#include "core/dispatch/batch_dispatch.h"

namespace dispatcher::core::dispatch {

/// Each refused message's dead-letter message, then the rest of its run, so the run's order is
/// kept and the aggregate continues.
void BatchDispatch::publish_dead_letters() {
  std::chrono::system_clock::time_point delivered_at;
  waves_.run(
      Phase::kPublish, "publish", std::span(rejections_),
      WaveSteps{
          .request =
              [&](Rejection& rejection) {
                AggregateDispatch& dispatch = *rejection.dispatch;
                const std::size_t index = dispatch.delivered;
                const std::int64_t version =
                    dispatch.run.first_version + static_cast<std::int64_t>(index);
                const std::string reason = rejection.error.describe();
                dispatch.run.messages[index] = run_planner_.dead_letter(
                    dispatch.plan->aggregate_id, version, dispatch.page.items[index],
                    std::move(rejection.error));
                auto& entries = dispatch.run.dead_letters;
                const auto position = std::ranges::find_if(
                    entries, [index](const DeadLetterEntry& entry) { return entry.index > index; });
                entries.insert(position, DeadLetterEntry{.index = index, .reason = reason});
                return PublishRun{
                    .messages = std::vector<OutgoingMessage>(
                        dispatch.run.messages.begin() + static_cast<std::ptrdiff_t>(index),
                        dispatch.run.messages.end())};
              },
          .call =
              [&](std::span<const PublishRun> runs) {
                auto outcomes = publisher_.publish(runs, waves_.keeping(kCommitReserve));
                delivered_at = clock_.wall_now();
                return outcomes;
              },
          .take =
              [&](const Rejection& rejection, const PublishRun&, const PublishOutcome& outcome) {
                AggregateDispatch& dispatch = *rejection.dispatch;
                accept_outcome(dispatch, outcome, dispatch.delivered, delivered_at, false);
              },
          .refuse =
              [&](const Rejection& rejection, const Error& refusal) {
                settle(*rejection.dispatch, Phase::kPublish, refusal);
              }});
  rejections_.clear();
}

}  // namespace dispatcher::core::dispatch
