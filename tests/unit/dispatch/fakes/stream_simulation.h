#pragma once

// Lambda's DynamoDB Streams event source mapping, modelled around the real Dispatcher and the
// in-memory ports: per shard, batches of random size from the checkpoint; a partial batch
// response moves the checkpoint to the reported record (Lambda retries from there); a crash
// redelivers the whole batch, and so does an answer after the invocation's deadline (Lambda
// killed the function; its response is discarded). Shards are consumed in any interleaving the
// caller chooses. A checker compares what reached Kafka with what was written, against DESIGN §3.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/dispatch/dispatcher.h"
#include "fakes/constant_trigger_event_store.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_dynamodb.h"
#include "fakes/fake_event_store.h"
#include "fakes/fake_kafka.h"
#include "fakes/faults.h"

namespace dispatcher::fakes {

namespace dispatch = core::dispatch;
namespace dynamodb = core::dynamodb;

struct SimulationOptions {
  std::size_t shard_count = 2;
  std::size_t kafka_partitions = 3;
  std::size_t max_batch_size = 10;
  dispatch::DispatcherOptions dispatcher{.topic = "events"};
  /// The time Lambda gives one invocation.
  std::chrono::milliseconds invocation_budget{60000};
  /// Replace every marker trigger by a constant (the original's bug), to show the checker sees it.
  bool constant_marker_trigger = false;
  /// The most one Query page reads (DynamoDB: 1 MB); small with a small max_read_bytes.
  std::size_t page_bytes = kDynamoDbPageBytes;
};

class StreamSimulation {
 public:
  StreamSimulation(SimulationOptions options, std::uint64_t seed);

  /// A writer appends a valid event (the seed schema) to a stream.
  void write_event(std::string_view stream_id, std::int64_t version);
  /// A writer puts any item; `counts_as_event` says whether it must reach Kafka (a valid event).
  /// Under the dead-letter policy an item that does not count must reach the dead-letter topic.
  void write_item(const dynamodb::Item& item, bool counts_as_event);

  [[nodiscard]] bool has_pending_records() const;
  /// Delivers one batch from a random shard with pending records; false when none is pending.
  bool deliver_batch();
  /// Delivers one batch from `shard`; false when it has nothing pending.
  bool deliver_batch(std::size_t shard);
  /// Delivers batches until nothing is pending; false when `max_batches` ran out first.
  bool drain(std::size_t max_batches);

  /// The operator's tools and the faults that are about one aggregate's stored data.
  /// Makes the aggregate's offsets item unreadable (its version a string); the true offset is
  /// kept aside for repair_offset_item.
  void corrupt_offset_item(std::string_view stream_id);
  /// Gives the offsets item its number back (the stored hold stays, as after a manual fix).
  void repair_offset_item(std::string_view stream_id);
  /// Rings the aggregate's doorbell with a new trigger, as `release` or `sweep` do.
  void ring_doorbell(std::string_view stream_id);
  /// The hold reason the offsets item stores, read raw (the item may be unreadable otherwise);
  /// empty when none.
  [[nodiscard]] std::string stored_hold_reason(std::string_view stream_id) const;

  /// Invocations that answered after their deadline (counted as crashes).
  [[nodiscard]] std::size_t late_answers() const noexcept { return late_answers_; }

  /// Called before every port call (the scheduler's concurrent writers act there).
  std::function<void()> between_port_calls;

  /// Every way the run broke a guarantee, in words; empty when none. Streams in
  /// `may_be_incomplete` (held on purpose) are checked for order and duplicates, not completeness.
  [[nodiscard]] std::vector<std::string> check_guarantees(
      const std::set<std::string>& may_be_incomplete = {}) const;

  /// Versions of the stream's messages in the order Kafka received them (re-sends included).
  [[nodiscard]] std::vector<std::int64_t> published_versions(std::string_view stream_id) const;

  [[nodiscard]] Faults& faults() noexcept { return faults_; }
  [[nodiscard]] FakeDynamoDb& table() noexcept { return table_; }
  [[nodiscard]] const FakeKafka& kafka() const noexcept { return kafka_; }
  /// For tests of the checker itself, which tamper with the log.
  [[nodiscard]] FakeKafka& kafka() noexcept { return kafka_; }
  [[nodiscard]] FakeClock& clock() noexcept { return clock_; }
  [[nodiscard]] const FakeEventStore& store() const noexcept { return store_; }
  [[nodiscard]] const FakePublisher& publisher() const noexcept { return publisher_; }
  [[nodiscard]] const std::vector<dispatch::DispatchReport>& reports() const noexcept {
    return reports_;
  }
  [[nodiscard]] std::size_t invocations() const noexcept { return invocation_; }

 private:
  void on_offset_write(const dispatch::OffsetCommit& commit,
                       std::optional<std::int64_t> stored_before);
  [[nodiscard]] std::string lambda_event_json(std::size_t shard, std::size_t first,
                                              std::size_t count) const;

  SimulationOptions options_;
  std::mt19937_64 schedule_random_;
  Faults faults_;
  FakeClock clock_;
  FakeDynamoDb table_;
  FakeKafka kafka_;
  FakeEventStore store_;
  FakePublisher publisher_;
  std::unique_ptr<ConstantTriggerEventStore> constant_trigger_store_;
  dispatch::Dispatcher dispatcher_;

  std::vector<std::size_t> checkpoints_;  ///< per shard: index of the next record to deliver
  std::uint64_t invocation_ = 0;
  std::size_t late_answers_ = 0;
  std::size_t doorbells_rung_ = 0;
  std::map<std::string, std::optional<std::int64_t>> corrupted_offsets_;
  std::set<std::uint64_t> disturbed_invocations_;  ///< a fault, crash or deadline hit them
  std::vector<dispatch::DispatchReport> reports_;
  std::map<std::string, std::set<std::int64_t>> written_;  ///< stream id -> valid event versions
  /// stream id -> versions written as poison items, due on the dead-letter topic when the policy
  /// is PoisonPolicy::kDeadLetter.
  std::map<std::string, std::set<std::int64_t>> poisoned_;
  mutable std::vector<std::string> violations_;
};

}  // namespace dispatcher::fakes
