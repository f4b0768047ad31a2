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

/// DynamoDB reads at most 1 MB of items per Query call.
inline constexpr std::size_t kDynamoDbPageBytes = std::size_t{1} << 20U;

/// The EventStore port over FakeDynamoDb, with fault injection and latency on every call. Every
/// call honours its deadline: one whose latency would pass it ends at the deadline with retryable
/// timeout errors (writes maybe done all the same, as after a real timeout). read_events keeps to
/// its ReadBudget the way DynamoDbClient::query_pages does.
class FakeEventStore final : public dispatch::EventStore {
 public:
  FakeEventStore(FakeDynamoDb& table, Faults& faults, FakeClock& clock)
      : table_(table), faults_(faults), clock_(clock) {}

  std::vector<core::Status> write_markers(std::span<const dispatch::MarkerWrite> markers,
                                          core::Deadline deadline) override;
  std::vector<core::Result<dispatch::OffsetState>> read_offsets(
      std::span<const dispatch::AggregateId> aggregate_ids, core::Deadline deadline) override;
  std::vector<core::Result<dispatch::EventPage>> read_events(
      std::span<const dispatch::EventQuery> queries, dispatch::ReadBudget budget,
      core::Deadline deadline) override;
  std::vector<core::Result<dispatch::CommitOutcome>> commit_offsets(
      std::span<const dispatch::OffsetCommit> commits, core::Deadline deadline) override;

  /// The most one Query call reads (DynamoDB: 1 MB); also what read_events reserves for each
  /// page in flight. Tests with small items make it small to see the byte budget work.
  void set_page_bytes(std::size_t page_bytes) noexcept { page_bytes_ = page_bytes; }

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
  /// Every call with its deadline, in order.
  [[nodiscard]] const std::vector<RecordedCall>& recorded_calls() const noexcept {
    return recorded_;
  }
  /// Every marker write the store received (applied or not), in order.
  [[nodiscard]] const std::vector<dispatch::MarkerWrite>& marker_writes() const noexcept {
    return marker_writes_;
  }
  /// Every offset commit the store received (applied or not), in order.
  [[nodiscard]] const std::vector<dispatch::OffsetCommit>& commits() const noexcept {
    return commits_;
  }
  /// Every budget read_events was given, in order.
  [[nodiscard]] const std::vector<dispatch::ReadBudget>& read_budgets() const noexcept {
    return read_budgets_;
  }

 private:
  /// The hook, then the latency; true when the call ran out of its deadline.
  bool enter_call(PortCall call, core::Deadline deadline);
  core::Result<dispatch::CommitOutcome> apply(const dispatch::OffsetCommit& commit);

  FakeDynamoDb& table_;
  Faults& faults_;
  FakeClock& clock_;
  std::size_t page_bytes_ = kDynamoDbPageBytes;
  CallCounts calls_;
  std::vector<RecordedCall> recorded_;
  std::vector<dispatch::MarkerWrite> marker_writes_;
  std::vector<dispatch::OffsetCommit> commits_;
  std::vector<dispatch::ReadBudget> read_budgets_;
};

/// Puts the marker item {id, version = kMarkerVersion, trigger} into the table.
bool put_marker(FakeDynamoDb& table, const dispatch::MarkerWrite& marker);

}  // namespace dispatcher::fakes
