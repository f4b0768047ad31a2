#pragma once

// An in-memory model of the runner's world for unit tests: a DynamoDB stream with shards that
// split (parents, children, closed shards), expiring iterators and a trim horizon; a state table
// holding checkpoints and the lease with DynamoDB's conditional-write semantics; a handler that
// records what it was given and can fail records. Test code, not product.

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/dispatch/sequence_number.h"
#include "core/runner/ports.h"

namespace dispatcher::runner_model {

using core::Deadline;
using core::Result;
using core::Status;
using core::runner::Checkpoint;
using core::runner::LambdaRecord;
using core::runner::LeaseRecord;
using core::runner::ShardDescription;
using core::runner::ShardPage;
using core::runner::ShardPosition;

/// A clock moved by the test.
class ManualClock final : public core::Clock {
 public:
  [[nodiscard]] std::chrono::steady_clock::time_point now() const override {
    return std::chrono::steady_clock::time_point{} + std::chrono::hours(1) + elapsed_;
  }
  [[nodiscard]] std::chrono::system_clock::time_point wall_now() const override {
    return std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 365 * 56) + elapsed_;
  }
  void advance(std::chrono::milliseconds duration) { elapsed_ += duration; }

 private:
  std::chrono::milliseconds elapsed_{0};
};

struct ModelShard {
  ShardDescription description;
  std::vector<LambdaRecord> records;
  std::size_t trimmed = 0;  ///< records before this index are past retention
};

class StreamModel final : public core::runner::StreamSource {
 public:
  /// Adds a shard; sequence numbers of its records are allocated from one counter for the stream.
  void add_shard(std::string shard_id, std::optional<std::string> parent = std::nullopt) {
    shards_.push_back(ModelShard{
        .description = {.shard_id = std::move(shard_id), .parent_shard_id = std::move(parent)}});
  }
  /// Appends a record for `key` to the shard; returns its sequence number.
  std::string append(const std::string& shard_id, const std::string& key) {
    ModelShard& shard = find(shard_id);
    std::string sequence_number = std::to_string(next_sequence_number_);
    next_sequence_number_ += 7;  // gaps between numbers, as DynamoDB has
    shard.records.push_back(LambdaRecord{
        .sequence_number = sequence_number,
        .lambda_record = {{"key", key}, {"shard", shard_id}, {"sequence", sequence_number}}});
    return sequence_number;
  }
  void close(const std::string& shard_id) { find(shard_id).description.closed = true; }
  /// Moves the trim horizon of a shard past its first `count` records.
  void trim(const std::string& shard_id, std::size_t count) { find(shard_id).trimmed = count; }
  /// Every iterator handed out so far expires.
  void expire_iterators() { ++iterator_generation_; }
  /// The next read answers "trimmed" whatever its position (as DynamoDB Local sometimes does).
  void trim_next_read() { trim_next_read_ = true; }

  [[nodiscard]] Result<std::vector<ShardDescription>> shards(Deadline) override {
    std::vector<ShardDescription> listed;
    for (const auto& shard : shards_) {
      listed.push_back(shard.description);
    }
    return listed;
  }

  [[nodiscard]] Result<std::string> iterator(const std::string& shard_id,
                                             const ShardPosition& position, Deadline) override {
    ++iterator_requests_;
    ModelShard& shard = find(shard_id);
    std::size_t index = shard.trimmed;
    if (position.kind != ShardPosition::Kind::kTrimHorizon) {
      std::size_t found = 0;
      while (found < shard.records.size() &&
             core::dispatch::compare_sequence_numbers(shard.records[found].sequence_number,
                                                      position.sequence_number) < 0) {
        ++found;
      }
      if (position.kind == ShardPosition::Kind::kAfterSequenceNumber &&
          found < shard.records.size() &&
          shard.records[found].sequence_number == position.sequence_number) {
        ++found;
      }
      if (found < shard.trimmed) {
        return core::fail(core::permanent_error("TrimmedDataAccessException", "trimmed"));
      }
      index = found;
    }
    return shard_id + "|" + std::to_string(index) + "|" + std::to_string(iterator_generation_);
  }

  [[nodiscard]] Result<ShardPage> read(const std::string& iterator, int limit, Deadline) override {
    const auto first_bar = iterator.find('|');
    const auto second_bar = iterator.find('|', first_bar + 1);
    const std::string shard_id = iterator.substr(0, first_bar);
    std::size_t index = std::stoul(iterator.substr(first_bar + 1, second_bar - first_bar - 1));
    const unsigned long generation = std::stoul(iterator.substr(second_bar + 1));
    if (generation != iterator_generation_) {
      return ShardPage{.status = ShardPage::Status::kIteratorExpired};
    }
    ModelShard& shard = find(shard_id);
    if (std::exchange(trim_next_read_, false) || index < shard.trimmed) {
      return ShardPage{.status = ShardPage::Status::kTrimmed};
    }
    ShardPage page;
    while (index < shard.records.size() && page.records.size() < static_cast<std::size_t>(limit)) {
      page.records.push_back(shard.records[index++]);
    }
    if (!(shard.description.closed && index == shard.records.size())) {
      page.next_iterator =
          shard_id + "|" + std::to_string(index) + "|" + std::to_string(iterator_generation_);
    }
    return page;
  }

  [[nodiscard]] int iterator_requests() const noexcept { return iterator_requests_; }

 private:
  ModelShard& find(const std::string& shard_id) {
    for (auto& shard : shards_) {
      if (shard.description.shard_id == shard_id) {
        return shard;
      }
    }
    throw std::logic_error("no shard " + shard_id);
  }

  std::vector<ModelShard> shards_;
  unsigned long next_sequence_number_ = 100;
  unsigned long iterator_generation_ = 0;
  int iterator_requests_ = 0;
  bool trim_next_read_ = false;
};

class CheckpointTable final : public core::runner::CheckpointStore {
 public:
  [[nodiscard]] Result<std::optional<Checkpoint>> load(const std::string& shard_id,
                                                       Deadline) override {
    const auto found = items_.find(shard_id);
    if (found == items_.end()) {
      return std::optional<Checkpoint>();
    }
    return std::optional<Checkpoint>(found->second);
  }
  [[nodiscard]] Status save(const std::string& shard_id, const Checkpoint& checkpoint,
                            Deadline) override {
    if (fail_saves_) {
      return core::fail(core::retryable_error("ThrottlingException", "save failed"));
    }
    items_[shard_id] = checkpoint;
    return {};
  }
  std::map<std::string, Checkpoint> items_;
  bool fail_saves_ = false;
};

/// The lease item with DynamoDB's conditional semantics, shared by several runners' Lease objects.
class LeaseTable final : public core::runner::LeaseStore {
 public:
  [[nodiscard]] Result<bool> try_acquire(const std::string& owner,
                                         std::chrono::system_clock::time_point expires_at,
                                         std::chrono::system_clock::time_point now,
                                         Deadline) override {
    ++writes_;
    if (unreachable_) {
      return core::fail(core::retryable_error("RequestTimeout", "unreachable"));
    }
    if (item_ && item_->owner != owner && item_->expires_at >= now) {
      return false;
    }
    item_ = LeaseRecord{.owner = owner, .expires_at = expires_at};
    return true;
  }
  [[nodiscard]] Result<std::optional<LeaseRecord>> read(Deadline) override { return item_; }
  [[nodiscard]] Status release(const std::string& owner, Deadline) override {
    if (item_ && item_->owner == owner) {
      item_.reset();
    }
    return {};
  }
  std::optional<LeaseRecord> item_;
  bool unreachable_ = false;
  int writes_ = 0;
};

/// Records every batch; fails the record with a chosen sequence number a given number of times.
class RecordingHandler final : public core::runner::BatchHandler {
 public:
  [[nodiscard]] Result<std::optional<std::string>> handle(const std::vector<LambdaRecord>& records,
                                                          Deadline) override {
    batches_.push_back(records);
    for (const auto& record : records) {
      auto failing = failures_.find(record.sequence_number);
      if (failing != failures_.end() && failing->second > 0) {
        --failing->second;
        return std::optional<std::string>(record.sequence_number);
      }
      handled_.push_back(record);
    }
    return std::optional<std::string>();
  }
  /// Records handed over in order and reported done (a failed record and those after it in its
  /// batch are not).
  std::vector<LambdaRecord> handled_;
  std::vector<std::vector<LambdaRecord>> batches_;
  std::map<std::string, int> failures_;
};

}  // namespace dispatcher::runner_model
