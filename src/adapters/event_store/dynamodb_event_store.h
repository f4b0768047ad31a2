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
///  - offsets item in the offsets table: core/dispatch/offset_item.h.
/// Thread-compatible, like the client it uses.
class DynamoDbEventStore final : public core::dispatch::EventStore {
 public:
  DynamoDbEventStore(std::shared_ptr<dynamodb::DynamoDbClient> client, EventStoreTables tables,
                     std::shared_ptr<const core::Clock> clock);

  /// BatchWriteItem puts of marker items (chunks of 25, unprocessed items retried by the client).
  [[nodiscard]] std::vector<core::Status> write_markers(
      std::span<const core::dispatch::MarkerWrite> markers, core::Deadline deadline) override;

  /// Consistent BatchGetItem of the offsets items. Error (permanent "InvalidOffsetItem", naming
  /// the aggregate and the attribute) for an item parse_offset_item refuses: dispatching from a
  /// guessed offset could skip events.
  [[nodiscard]] std::vector<core::Result<core::dispatch::OffsetState>> read_offsets(
      std::span<const core::dispatch::AggregateId> aggregate_ids, core::Deadline deadline) override;

  /// Consistent Query `id = :id AND version > :after`, ascending, page after page, all
  /// aggregates in flight together, at most max_events items each, within the byte budget
  /// (DynamoDbClient::query_pages).
  [[nodiscard]] std::vector<core::Result<core::dispatch::EventPage>> read_events(
      std::span<const core::dispatch::EventQuery> queries, core::dispatch::ReadBudget budget,
      core::Deadline deadline) override;

  /// One UpdateItem per commit, all in flight together: `SET version, dispatched_at` if
  /// `attribute_not_exists(version) OR version < :v`, with the hold attributes set or removed in
  /// the same write; a hold-only write is conditioned on the offset the invocation read. A
  /// failed condition is kLostRace.
  [[nodiscard]] std::vector<core::Result<core::dispatch::CommitOutcome>> commit_offsets(
      std::span<const core::dispatch::OffsetCommit> commits, core::Deadline deadline) override;

 private:
  std::shared_ptr<dynamodb::DynamoDbClient> client_;
  EventStoreTables tables_;
  std::shared_ptr<const core::Clock> clock_;
};

}  // namespace dispatcher::adapters::event_store
