#pragma once

// DynamoDB as the dispatcher sees it: the events table (events and change markers), the offsets
// table, and the events table's stream, modelled the way AWS behaves where it matters:
// - A put that leaves the item unchanged makes NO stream record (the trap the original fell into:
//   its identical marker {id, -1001} rang once and never again).
// - Records of one aggregate's events can land in different (sibling) shards: DynamoDB splits a
//   hot partition key by sort key, and Lambda reads sibling shards in parallel. Records of one
//   item (the change marker) stay in one shard, in order.
// - Queries are strongly consistent and read at most `page_bytes` of items per page (1 MB).
// - The offsets table stores the whole item (offset, dispatched_at, hold, held_since) as
//   DynamoDbEventStore writes it, and every write has the adapter's condition: the offset only
//   moves forward; a hold-only write needs the offset the invocation read. A failed condition is
//   kLostRace. A test can store any item there, an unreadable one included.

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
#include "core/result.h"

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

  /// One Query call: like query(), but it also stops once the page holds `page_bytes` of items
  /// (approximate_size; the item that reaches it is included), as DynamoDB stops at 1 MB.
  /// more_available: there are items after the page.
  [[nodiscard]] dispatch::EventPage query_page(const dispatch::AggregateId& aggregate_id,
                                               std::int64_t after_version, std::size_t limit,
                                               std::size_t page_bytes) const;

  [[nodiscard]] const dynamodb::Item* find(const dispatch::AggregateId& aggregate_id,
                                           std::int64_t version) const;

  /// The stored offset; nullopt when there is none or the item is unreadable.
  [[nodiscard]] std::optional<std::int64_t> offset(const dispatch::AggregateId& aggregate_id) const;

  /// A strongly consistent GetItem of the offsets item, parsed as the adapter does: an empty
  /// state without an item, the permanent error InvalidOffsetItem for an unreadable one.
  [[nodiscard]] core::Result<dispatch::OffsetState> read_offset(
      const dispatch::AggregateId& aggregate_id) const;

  /// The offsets item as stored; nullptr when there is none.
  [[nodiscard]] const dynamodb::Item* offset_item(const dispatch::AggregateId& aggregate_id) const;
  /// The stored hold, when the item is readable and has one.
  [[nodiscard]] std::optional<dispatch::StoredHold> stored_hold(
      const dispatch::AggregateId& aggregate_id) const;

  /// Puts any offsets item (an unreadable one, for a test): `id` is added.
  void put_offset_item(const dispatch::AggregateId& aggregate_id, dynamodb::Item item);

  /// For setting up a test: moves the offset forward (only), leaving the hold alone. Returns
  /// whether the stored offset moved.
  bool commit_offset(const dispatch::AggregateId& aggregate_id, std::int64_t version);

  /// The UpdateItem DynamoDbEventStore sends for `commit`, with its condition, at `now_ms`.
  [[nodiscard]] dispatch::CommitOutcome apply_commit(const dispatch::OffsetCommit& commit,
                                                     std::int64_t now_milliseconds);

  /// Offset writes that changed the item, over the table's life.
  [[nodiscard]] std::size_t offset_writes() const noexcept { return offset_writes_; }

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
  std::map<dispatch::AggregateId, dynamodb::Item> offsets_;
  std::size_t offset_writes_ = 0;
  std::vector<std::vector<StoredStreamRecord>> shards_;
  std::string sequence_ = "0";  ///< the last sequence number given, decimal
  std::size_t stream_records_ = 0;
  std::mt19937_64 random_;
};

/// FNV-1a: a stable hash for shard and partition choices (std::hash may differ between builds).
[[nodiscard]] std::uint64_t stable_hash(std::string_view text) noexcept;

}  // namespace dispatcher::fakes
