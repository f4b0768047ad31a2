#pragma once

#include "core/dispatch/ports.h"

namespace dispatcher::fakes {

namespace dispatch = core::dispatch;
namespace dynamodb = core::dynamodb;

/// The original's marker: every write stores the same item {id, -1001}. Wraps a store and
/// replaces each marker's trigger with a constant, to prove the simulation catches the trap
/// (DynamoDB Streams writes nothing for a put that changes nothing, so the doorbell rings once).
class ConstantTriggerEventStore final : public dispatch::EventStore {
 public:
  explicit ConstantTriggerEventStore(dispatch::EventStore& inner) : inner_(inner) {}

  std::vector<core::Status> write_markers(std::span<const dispatch::MarkerWrite> markers,
                                          core::Deadline deadline) override {
    std::vector<dispatch::MarkerWrite> constant(markers.begin(), markers.end());
    for (dispatch::MarkerWrite& marker : constant) {
      marker.trigger = "constant";
    }
    return inner_.write_markers(constant, deadline);
  }
  std::vector<core::Result<dispatch::OffsetState>> read_offsets(
      std::span<const dispatch::AggregateId> aggregate_ids, core::Deadline deadline) override {
    return inner_.read_offsets(aggregate_ids, deadline);
  }
  std::vector<core::Result<dispatch::EventPage>> read_events(
      std::span<const dispatch::EventQuery> queries, dispatch::ReadBudget budget,
      core::Deadline deadline) override {
    return inner_.read_events(queries, budget, deadline);
  }
  std::vector<core::Result<dispatch::CommitOutcome>> commit_offsets(
      std::span<const dispatch::OffsetCommit> commits, core::Deadline deadline) override {
    return inner_.commit_offsets(commits, deadline);
  }

 private:
  dispatch::EventStore& inner_;
};

}  // namespace dispatcher::fakes
