#pragma once

// Inputs shared by the benchmarks and the instruction-count harness, so every figure in
// docs/benchmarks.md is measured on the same bytes.

#include <cstddef>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/dispatch/ports.h"

namespace dispatcher::bench {

/// A Lambda DynamoDB Streams event of `records` KEYS_ONLY records over `aggregates` aggregates:
/// mostly events, one in five a change marker, with real-length sequence numbers and the fields
/// Lambda sends (eventID, eventSourceARN, ...).
[[nodiscard]] std::string keys_only_event(int records, int aggregates);

/// A DynamoDB Query response body of at least `target_bytes`: event items of the seed schema
/// (about 900 bytes each: a ~300-byte base64 JSON payload, three headers), Count, ScannedCount
/// and LastEvaluatedKey, as DynamoDB writes it.
[[nodiscard]] std::string query_response(std::size_t target_bytes);

/// query_response(1 MiB), built once.
[[nodiscard]] const std::string& one_megabyte_response();

/// An event store that answers at once, so only the core's own work is measured: every
/// aggregate's events are a copy of `page` (as an adapter's decoding would produce them), there
/// are no offsets yet, and every write succeeds.
class InstantEventStore final : public core::dispatch::EventStore {
 public:
  explicit InstantEventStore(std::vector<core::dynamodb::Item> page) : page_(std::move(page)) {}
  std::vector<core::Status> write_markers(std::span<const core::dispatch::MarkerWrite> markers,
                                          core::Deadline deadline) override;
  std::vector<core::Result<core::dispatch::OffsetState>> read_offsets(
      std::span<const core::dispatch::AggregateId> ids, core::Deadline deadline) override;
  std::vector<core::Result<core::dispatch::EventPage>> read_events(
      std::span<const core::dispatch::EventQuery> queries, core::dispatch::ReadBudget budget,
      core::Deadline deadline) override;
  std::vector<core::Result<core::dispatch::CommitOutcome>> commit_offsets(
      std::span<const core::dispatch::OffsetCommit> commits, core::Deadline deadline) override;

 private:
  std::vector<core::dynamodb::Item> page_;
};

/// A publisher that delivers every message at once.
class InstantPublisher final : public core::dispatch::Publisher {
 public:
  std::vector<core::dispatch::PublishOutcome> publish(
      std::span<const core::dispatch::PublishRun> runs, core::Deadline deadline) override;
};

}  // namespace dispatcher::bench
