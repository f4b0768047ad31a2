#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "adapters/dynamodb/dynamodb_client.h"
#include "core/clock.h"
#include "core/dispatch/ports.h"

namespace dispatcher::adapters::event_store {

struct EventStoreTables {
  std::string events_table;   ///< key id (S) + version (N), stream enabled
  std::string offsets_table;  ///< key id (S); attribute version (N) = last dispatched version
};

/// The dispatch core's EventStore on DynamoDB. Item shapes:
///  - change marker in the events table: {id: S, version: N -1001, trigger: S};
///  - offset in the offsets table: {id: S, version: N, dispatched_at: N (epoch milliseconds)}.
/// Thread-compatible, like the client it uses.
class DynamoDbEventStore final : public core::dispatch::EventStore {
 public:
  DynamoDbEventStore(std::shared_ptr<dynamodb::DynamoDbClient> client, EventStoreTables tables,
                     std::shared_ptr<const core::Clock> clock);

  /// BatchWriteItem puts of marker items (chunks of 25, unprocessed items retried by the client).
  [[nodiscard]] std::vector<core::Status> write_markers(
      std::span<const core::dispatch::MarkerWrite> markers, core::Deadline deadline) override;

  /// Consistent BatchGetItem of the offsets. Error (permanent "InvalidOffsetItem") for an offset
  /// item whose version is not an integer: dispatching from a guessed offset could skip events.
  [[nodiscard]] std::vector<core::Result<std::optional<std::int64_t>>> read_offsets(
      std::span<const core::dispatch::AggregateId> aggregate_ids, core::Deadline deadline) override;

  /// Consistent Query `id = :id AND version > :after`, ascending, page after page, all
  /// aggregates in flight together, at most max_events items each.
  [[nodiscard]] std::vector<core::Result<core::dispatch::EventPage>> read_events(
      std::span<const core::dispatch::EventQuery> queries, core::Deadline deadline) override;

  /// UpdateItem `SET version = :v` if `attribute_not_exists(version) OR version < :v`, all in
  /// flight together; a failed condition (an equal or newer offset is stored) is success.
  [[nodiscard]] std::vector<core::Status> commit_offsets(
      std::span<const core::dispatch::OffsetCommit> commits, core::Deadline deadline) override;

 private:
  std::shared_ptr<dynamodb::DynamoDbClient> client_;
  EventStoreTables tables_;
  std::shared_ptr<const core::Clock> clock_;
};

}  // namespace dispatcher::adapters::event_store
