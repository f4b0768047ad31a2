#pragma once

// The runner's items in its state table (by default the offsets table): the lease and one
// checkpoint per shard, under ids with the reserved prefix of core/runner/state_keys.h.

#include <memory>
#include <string>

#include "adapters/dynamodb/dynamodb_client.h"
#include "core/clock.h"
#include "core/runner/ports.h"

namespace dispatcher::app::runner {

/// Checkpoint items: {id: "#dispatcher-runner#shard#<shardId>", shard_id, sequence_number
/// (absent before the first record), finished, owner, updated_at}. Reads are strongly consistent.
class DynamoDbCheckpointStore final : public core::runner::CheckpointStore {
 public:
  DynamoDbCheckpointStore(std::shared_ptr<adapters::dynamodb::DynamoDbClient> dynamodb,
                          std::string table, std::string owner, const core::Clock& clock);

  [[nodiscard]] core::Result<std::optional<core::runner::Checkpoint>> load(
      const std::string& shard_id, core::Deadline deadline) override;
  [[nodiscard]] core::Status save(const std::string& shard_id,
                                  const core::runner::Checkpoint& checkpoint,
                                  core::Deadline deadline) override;

 private:
  std::shared_ptr<adapters::dynamodb::DynamoDbClient> dynamodb_;
  std::string table_;
  std::string owner_;
  const core::Clock& clock_;
};

/// The lease item: {id: "#dispatcher-runner#lease", owner, expires_at_ms (wall clock, epoch
/// milliseconds), events_table, updated_at}. Written with the condition "absent, expired, or
/// mine"; released by setting expires_at_ms to 0 under the condition "mine", so the item keeps
/// naming the last owner.
class DynamoDbLeaseStore final : public core::runner::LeaseStore {
 public:
  DynamoDbLeaseStore(std::shared_ptr<adapters::dynamodb::DynamoDbClient> dynamodb,
                     std::string table, std::string events_table);

  [[nodiscard]] core::Result<bool> try_acquire(const std::string& owner,
                                               std::chrono::system_clock::time_point expires_at,
                                               std::chrono::system_clock::time_point now,
                                               core::Deadline deadline) override;
  [[nodiscard]] core::Result<std::optional<core::runner::LeaseRecord>> read(
      core::Deadline deadline) override;
  [[nodiscard]] core::Status release(const std::string& owner, core::Deadline deadline) override;

 private:
  std::shared_ptr<adapters::dynamodb::DynamoDbClient> dynamodb_;
  std::string table_;
  std::string events_table_;
};

}  // namespace dispatcher::app::runner
