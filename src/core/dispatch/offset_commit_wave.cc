// BatchDispatch's last two waves: committing offsets (and holds) forward-only, then ringing the
// doorbells of aggregates whose rest goes out in the next invocation.

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/dispatch/batch_dispatch.h"

namespace dispatcher::core::dispatch {

void BatchDispatch::commit_offsets() {
  std::vector<AggregateDispatch*> selected;
  for (AggregateDispatch& dispatch : dispatches_) {
    if (dispatch.delivered > 0 || dispatch.hold_changed()) {
      selected.push_back(&dispatch);
    }
  }
  waves_.run(
      Phase::kCommitOffsets, "commit_offsets", std::span(selected),
      WaveSteps{.request =
                    [&](const AggregateDispatch* dispatch) {
                      OffsetCommit commit{.aggregate_id = dispatch->plan->aggregate_id,
                                          .read_offset = dispatch->offset(),
                                          .offset_unreadable = dispatch->offset_unreadable,
                                          .hold = dispatch->hold_to_store(clock_.wall_now())};
                      if (dispatch->delivered > 0) {
                        commit.version = dispatch->run.first_version +
                                         static_cast<std::int64_t>(dispatch->delivered) - 1;
                      }
                      return commit;
                    },
                .call =
                    [&](std::span<const OffsetCommit> commits) {
                      return event_store_.commit_offsets(commits, waves_.keeping(kContinueReserve));
                    },
                .take =
                    [&](AggregateDispatch* dispatch, const OffsetCommit& commit,
                        const Result<CommitOutcome>& outcome) {
                      if (!outcome) {
                        if (dispatch->delivered == 0) {
                          // Only the hold's record failed; the hold itself stands and is reported.
                          // The next invocation stores it.
                          return;
                        }
                        if (!dispatch->retry.has_value()) {
                          // A delivered prefix that is not committed is always retried: it must not
                          // be lost behind a hold the store could not record either.
                          dispatch->retry =
                              Retry{.phase = Phase::kCommitOffsets, .error = outcome.error()};
                        }
                        note_deployment_error(outcome.error());
                        return;
                      }
                      if (*outcome == CommitOutcome::kLostRace) {
                        ++report_.offset_races_lost;
                        return;
                      }
                      dispatch->committed = true;
                      if (commit.version.has_value()) {
                        ++report_.offsets_committed;
                      }
                    },
                // Not committing what was published is never silent: the aggregate fails, Lambda
                // retries, and the retry re-sends the delivered messages as a contiguous suffix
                // (the allowed duplicate).
                .refuse =
                    [](AggregateDispatch* dispatch, const Error& refusal) {
                      if (dispatch->delivered > 0 && !dispatch->retry.has_value()) {
                        dispatch->retry = Retry{.phase = Phase::kCommitOffsets, .error = refusal};
                      }
                    }});
}

/// Doorbells rung again so the rest goes out in the next invocation: an aggregate that had more
/// events than one invocation reads, all of them delivered and committed; and an aggregate the
/// byte budget left unread.
void BatchDispatch::ring_again() {
  struct Continuation {
    AggregateDispatch* dispatch = nullptr;
    MarkerWrite write;
  };
  std::vector<Continuation> continuations;
  for (AggregateDispatch& dispatch : dispatches_) {
    if (dispatch.retry.has_value() || dispatch.run.hold.has_value()) {
      continue;
    }
    if (dispatch.committed && dispatch.page.more_available && dispatch.run.covers_page &&
        dispatch.delivered == dispatch.run.messages.size()) {
      // The committed version is new for this aggregate, so the write changes the marker item
      // and rings; a trigger that repeated an earlier value would ring nothing.
      continuations.push_back(Continuation{
          .dispatch = &dispatch,
          .write =
              MarkerWrite{.aggregate_id = dispatch.plan->aggregate_id,
                          // NOLINTNEXTLINE(bugprone-unchecked-optional-access): delivered > 0
                          .trigger = "continue:" + std::to_string(*dispatch.run.last_version())}});
    } else if (dispatch.page.over_budget && dispatch.delivered == 0 &&
               dispatch.page.items.empty()) {
      // Not read at all. The newest marker record's sequence number is new to the marker item
      // unless an earlier attempt of this batch wrote it; that write's record came after every
      // record of the batch, so it is still to come and rings. (The lowest one could be the
      // trigger of a record in this very batch: writing it again would ring nothing.)
      ++report_.deferred;
      continuations.push_back(Continuation{
          .dispatch = &dispatch,
          .write = MarkerWrite{.aggregate_id = dispatch.plan->aggregate_id,
                               .trigger = "deferred:" + dispatch.plan->highest_sequence_number}});
    }
  }
  waves_.run(
      Phase::kContinue, "write_markers", std::span(continuations),
      WaveSteps{
          .request = [](Continuation& continuation) { return std::move(continuation.write); },
          .call =
              [&](std::span<const MarkerWrite> writes) {
                return event_store_.write_markers(writes, waves_.respond_by());
              },
          .take =
              [&](const Continuation& continuation, const MarkerWrite&, const Status& status) {
                if (!status) {
                  continuation.dispatch->retry =
                      Retry{.phase = Phase::kContinue, .error = status.error()};
                  return;
                }
                ++report_.continuations;
              },
          .refuse =
              [](const Continuation& continuation, const Error& refusal) {
                continuation.dispatch->retry = Retry{.phase = Phase::kContinue, .error = refusal};
              }});
}

}  // namespace dispatcher::core::dispatch
