#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <vector>

#include "core/dispatch/ports.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_dynamodb.h"
#include "fakes/faults.h"

namespace dispatcher::fakes {

namespace dispatch = core::dispatch;
namespace dynamodb = core::dynamodb;

/// The EventStore port over FakeDynamoDb, with fault injection and latency on every call.
class FakeEventStore final : public dispatch::EventStore {
 public:
  FakeEventStore(FakeDynamoDb& table, Faults& faults, FakeClock& clock)
      : table_(table), faults_(faults), clock_(clock) {}

  std::vector<core::Status> write_markers(std::span<const dispatch::MarkerWrite> markers,
                                          core::Deadline deadline) override;
  std::vector<core::Result<std::optional<std::int64_t>>> read_offsets(
      std::span<const dispatch::AggregateId> aggregate_ids, core::Deadline deadline) override;
  std::vector<core::Result<dispatch::EventPage>> read_events(
      std::span<const dispatch::EventQuery> queries, core::Deadline deadline) override;
  std::vector<core::Status> commit_offsets(std::span<const dispatch::OffsetCommit> commits,
                                           core::Deadline deadline) override;

  /// Runs before every port call: the simulation's concurrent writers act here.
  std::function<void()> before_call;
  /// Runs for every offset write that reached the table, with the offset stored before it, so a
  /// checker can look at Kafka at that very moment.
  std::function<void(const dispatch::OffsetCommit&, std::optional<std::int64_t> stored_before)>
      on_offset_write;

  struct CallCounts {
    std::size_t write_markers = 0;
    std::size_t read_offsets = 0;
    std::size_t read_events = 0;
    std::size_t commit_offsets = 0;
  };
  [[nodiscard]] const CallCounts& calls() const noexcept { return calls_; }
  /// Every marker write the store received (applied or not), in order.
  [[nodiscard]] const std::vector<dispatch::MarkerWrite>& marker_writes() const noexcept {
    return marker_writes_;
  }

 private:
  void enter_call();

  FakeDynamoDb& table_;
  Faults& faults_;
  FakeClock& clock_;
  CallCounts calls_;
  std::vector<dispatch::MarkerWrite> marker_writes_;
};

/// Puts the marker item {id, version = kMarkerVersion, trigger} into the table.
bool put_marker(FakeDynamoDb& table, const dispatch::MarkerWrite& marker);

}  // namespace dispatcher::fakes
