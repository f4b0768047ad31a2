#pragma once

// DynamoDB as the dispatcher sees it: the events table (events and change markers), the offsets
// table, and the events table's stream, modelled the way AWS behaves where it matters:
// - A put that leaves the item unchanged makes NO stream record (the trap the original fell into:
//   its identical marker {id, -1001} rang once and never again).
// - Records of one aggregate's events can land in different (sibling) shards: DynamoDB splits a
//   hot partition key by sort key, and Lambda reads sibling shards in parallel. Records of one
//   item (the change marker) stay in one shard, in order.
// - Queries are strongly consistent; the offset write is conditional and forward-only.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/dispatch/ports.h"
#include "core/dynamodb/attribute_value.h"

namespace dispatcher::fakes {

namespace dispatch = core::dispatch;
namespace dynamodb = core::dynamodb;

struct StoredStreamRecord {
  std::string sequence_number;
  std::string event_name;  ///< "INSERT" or "MODIFY"
  dispatch::AggregateId aggregate_id;
  std::int64_t version = 0;
};

class FakeDynamoDb {
 public:
  FakeDynamoDb(std::size_t shard_count, std::uint64_t seed);

  /// PutItem into the events table. Makes a stream record (in a shard, with a new sequence number)
  /// only when the item changed. Returns whether it did.
  bool put_item(dynamodb::Item item);

  /// Strongly consistent Query: versions > after_version, ascending, at most `limit` items.
  [[nodiscard]] dispatch::EventPage query(const dispatch::AggregateId& aggregate_id,
                                          std::int64_t after_version, std::size_t limit) const;

  [[nodiscard]] const dynamodb::Item* find(const dispatch::AggregateId& aggregate_id,
                                           std::int64_t version) const;

  [[nodiscard]] std::optional<std::int64_t> offset(const dispatch::AggregateId& aggregate_id) const;

  /// UpdateItem with `attribute_not_exists(version) OR version < :v`; a lost condition is success.
  /// Returns whether the stored offset moved.
  bool commit_offset(const dispatch::AggregateId& aggregate_id, std::int64_t version);

  [[nodiscard]] std::size_t shard_count() const noexcept { return shards_.size(); }
  [[nodiscard]] const std::vector<StoredStreamRecord>& shard(std::size_t index) const {
    return shards_.at(index);
  }
  /// The shard that holds every record of the aggregate's change marker.
  [[nodiscard]] std::size_t marker_shard(const dispatch::AggregateId& aggregate_id) const;

  /// Stream records made so far, over all shards.
  [[nodiscard]] std::size_t stream_record_count() const noexcept { return stream_records_; }

 private:
  std::string next_sequence_number();

  std::map<std::pair<dispatch::AggregateId, std::int64_t>, dynamodb::Item> events_;
  std::map<dispatch::AggregateId, std::int64_t> offsets_;
  std::vector<std::vector<StoredStreamRecord>> shards_;
  std::string sequence_ = "0";  ///< the last sequence number given, decimal
  std::size_t stream_records_ = 0;
  std::mt19937_64 random_;
};

/// FNV-1a: a stable hash for shard and partition choices (std::hash may differ between builds).
[[nodiscard]] std::uint64_t stable_hash(std::string_view text) noexcept;

}  // namespace dispatcher::fakes
