#pragma once

// What the standalone runner needs from the world, as interfaces: the stream (DynamoDB Streams),
// the state table (checkpoints and the lease), and the handler that dispatches one batch (the
// same Application::handle the Lambda uses). Adapters implement them in src/app/runner/; unit
// tests implement them with an in-memory stream model.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/result.h"

namespace dispatcher::core::runner {

/// One shard of the stream as DescribeStream lists it.
struct ShardDescription {
  std::string shard_id;
  std::optional<std::string> parent_shard_id;
  bool closed = false;  ///< has an ending sequence number: no new records will arrive
};

/// Where to start reading a shard.
struct ShardPosition {
  enum class Kind : unsigned char { kTrimHorizon, kAfterSequenceNumber };
  Kind kind = Kind::kTrimHorizon;
  std::string sequence_number;  ///< empty for kTrimHorizon

  [[nodiscard]] static ShardPosition trim_horizon() { return {}; }
  [[nodiscard]] static ShardPosition after(std::string sequence_number) {
    return {.kind = Kind::kAfterSequenceNumber, .sequence_number = std::move(sequence_number)};
  }
  friend bool operator==(const ShardPosition&, const ShardPosition&) = default;
};

/// One stream record: its sequence number and the record exactly as Lambda would hand it to the
/// function (eventID, eventName, dynamodb.Keys/SequenceNumber/..., eventSourceARN).
struct LambdaRecord {
  std::string sequence_number;
  nlohmann::json lambda_record;
};

/// The answer of one read of a shard.
struct ShardPage {
  enum class Status : unsigned char {
    kRecords,          ///< records (possibly none); next_iterator unless the shard has ended
    kIteratorExpired,  ///< get a new iterator from the checkpoint
    kTrimmed,          ///< the position is older than the stream's retention
  };
  Status status = Status::kRecords;
  std::vector<LambdaRecord> records;
  std::optional<std::string> next_iterator;  ///< nullopt with kRecords: the shard is finished

  [[nodiscard]] bool shard_ended() const noexcept {
    return status == Status::kRecords && !next_iterator.has_value();
  }
};

/// The events table's stream.
class StreamSource {
 public:
  virtual ~StreamSource() = default;
  /// Every shard of the stream. Errors: the service's, retryable or not.
  [[nodiscard]] virtual Result<std::vector<ShardDescription>> shards(Deadline deadline) = 0;
  /// An iterator at `position`. Error code "TrimmedDataAccessException": the position is past
  /// retention (the caller restarts from the trim horizon); others are the service's.
  [[nodiscard]] virtual Result<std::string> iterator(const std::string& shard_id,
                                                     const ShardPosition& position,
                                                     Deadline deadline) = 0;
  /// At most `limit` records from `iterator`.
  [[nodiscard]] virtual Result<ShardPage> read(const std::string& iterator, int limit,
                                               Deadline deadline) = 0;
};

/// How far one shard has been dispatched.
struct Checkpoint {
  /// The last record dispatched (every record up to it is done); nullopt: none yet.
  std::optional<std::string> sequence_number;
  bool finished = false;  ///< the shard ended and every record of it was dispatched
  friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

/// Per-shard checkpoints in the state table.
class CheckpointStore {
 public:
  virtual ~CheckpointStore() = default;
  /// The shard's checkpoint; nullopt when it has none.
  [[nodiscard]] virtual Result<std::optional<Checkpoint>> load(const std::string& shard_id,
                                                               Deadline deadline) = 0;
  [[nodiscard]] virtual Status save(const std::string& shard_id, const Checkpoint& checkpoint,
                                    Deadline deadline) = 0;
};

/// The lease item as stored.
struct LeaseRecord {
  std::string owner;
  std::chrono::system_clock::time_point expires_at;
};

/// The one lease item per events table, written only with conditions.
class LeaseStore {
 public:
  virtual ~LeaseStore() = default;
  /// Writes {owner, expires_at} when the item is absent, expired at `now`, or already owned by
  /// `owner`. true: written (the lease is `owner`'s); false: another owner holds it.
  [[nodiscard]] virtual Result<bool> try_acquire(const std::string& owner,
                                                 std::chrono::system_clock::time_point expires_at,
                                                 std::chrono::system_clock::time_point now,
                                                 Deadline deadline) = 0;
  /// The current item; nullopt when there is none.
  [[nodiscard]] virtual Result<std::optional<LeaseRecord>> read(Deadline deadline) = 0;
  /// Deletes the item when `owner` holds it; does nothing otherwise.
  [[nodiscard]] virtual Status release(const std::string& owner, Deadline deadline) = 0;
};

/// Dispatches one batch of one shard's records (in stream order).
class BatchHandler {
 public:
  virtual ~BatchHandler() = default;
  /// nullopt: every record is done. A sequence number: records before it are done, it and the
  /// rest must be read again (the partial batch response). Error: the whole batch failed.
  [[nodiscard]] virtual Result<std::optional<std::string>> handle(
      const std::vector<LambdaRecord>& records, Deadline deadline) = 0;
};

}  // namespace dispatcher::core::runner
