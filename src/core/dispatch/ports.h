#pragma once

// The two interfaces the dispatch core talks to. Adapters implement them against DynamoDB and
// Kafka; tests implement them in memory. Every call takes a whole wave of work at once, so the
// number of sequential round trips of an invocation does not grow with the number of aggregates.
// Every call returns by the deadline it is given: the dispatcher hands out deadlines from the
// invocation's one TimeBudget, so the invocation can still answer when a call runs out of time.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/dispatch/hold.h"
#include "core/dispatch/offset_item.h"
#include "core/dynamodb/attribute_value.h"
#include "core/result.h"

namespace dispatcher::core::dispatch {

/// The events table's partition key value `id`, usually "streamType:streamId".
using AggregateId = std::string;

/// The change marker's sort key value.
inline constexpr std::int64_t kMarkerVersion = -1001;

/// One change-marker write. `trigger` is stored in the marker item so that every write for a new
/// event changes the item (DynamoDB Streams emits nothing for a write that changes nothing), while
/// a retried batch writes the same value again and rings no extra doorbell.
struct MarkerWrite {
  AggregateId aggregate_id;
  std::string trigger;

  friend bool operator==(const MarkerWrite&, const MarkerWrite&) = default;
};

/// Read the events of one aggregate with version > after_version, ascending, at most max_events.
struct EventQuery {
  AggregateId aggregate_id;
  std::int64_t after_version = -1;
  std::size_t max_events = 0;
};

/// How much one read_events call may hold in memory.
struct ReadBudget {
  /// Sum over all queries of the items' size (dynamodb::approximate_size) that may be read;
  /// 0: no limit. A call may go past it by at most one page per query in flight.
  std::size_t max_bytes = 0;
};

struct EventPage {
  std::vector<dynamodb::Item> items;  ///< ascending by version
  /// Reading stopped before the end of the aggregate: at max_events, or because the call's byte
  /// budget ran out (then `over_budget` is set too, and `items` may be empty).
  bool more_available = false;
  bool over_budget = false;
  std::size_t bytes = 0;  ///< approximate size of `items`
};

/// One write to an aggregate's offsets item, in the commit wave: the new offset, the hold that
/// stops the aggregate now, or both.
struct OffsetCommit {
  AggregateId aggregate_id;
  /// The last dispatched version, written only forward (attribute_not_exists(version) OR
  /// version < it). nullopt: the offset stays and only the hold is written, on the condition
  /// that the stored offset is still what the invocation read (read_offset / offset_unreadable).
  std::optional<std::int64_t> version;
  std::optional<std::int64_t> read_offset;  ///< the offset read_offsets returned
  bool offset_unreadable = false;           ///< read_offsets found the item unreadable
  std::optional<StoredHold> hold;           ///< stored with the write; nullopt removes a stored one
};

/// What became of one OffsetCommit.
enum class CommitOutcome : unsigned char {
  kWritten,
  /// The condition failed: another writer stored an equal or newer offset (or moved the offset a
  /// hold-only write was planned against). Not an error: offsets never move back.
  kLostRace,
};

class EventStore {
 public:
  virtual ~EventStore() = default;

  /// Writes one change marker per entry (chunks of 25, unprocessed items retried with backoff).
  /// Result i belongs to markers[i].
  [[nodiscard]] virtual std::vector<Status> write_markers(std::span<const MarkerWrite> markers,
                                                          Deadline deadline) = 0;

  /// Strongly consistent read of offsets items (chunks of 100, unprocessed keys retried).
  /// An aggregate without an item has an empty OffsetState. An unreadable item is the permanent
  /// error "InvalidOffsetItem". Result i belongs to aggregate_ids[i].
  [[nodiscard]] virtual std::vector<Result<OffsetState>> read_offsets(
      std::span<const AggregateId> aggregate_ids, Deadline deadline) = 0;

  /// Strongly consistent, paginated Query per entry, all in flight together, holding at most
  /// about `budget` bytes of items (queries it cannot afford come back over_budget).
  /// Result i belongs to queries[i].
  [[nodiscard]] virtual std::vector<Result<EventPage>> read_events(
      std::span<const EventQuery> queries, ReadBudget budget, Deadline deadline) = 0;

  /// Conditional offset writes (see OffsetCommit), all in flight together. A write whose
  /// condition fails is kLostRace, not an error. Result i belongs to commits[i].
  [[nodiscard]] virtual std::vector<Result<CommitOutcome>> commit_offsets(
      std::span<const OffsetCommit> commits, Deadline deadline) = 0;
};

using Header = std::pair<std::string, std::string>;

struct OutgoingMessage {
  std::string topic;
  std::string key;
  std::string value;  ///< bytes, unchanged
  std::vector<Header> headers;
};

/// One aggregate's messages, in the order they must reach Kafka.
struct PublishRun {
  std::vector<OutgoingMessage> messages;
};

struct PublishOutcome {
  /// messages[0, delivered) were confirmed by delivery reports, in order.
  std::size_t delivered = 0;
  /// Why messages[delivered] was not confirmed; empty when all were delivered.
  std::optional<Error> error;
};

class Publisher {
 public:
  virtual ~Publisher() = default;

  /// Publishes every run through one idempotent producer and waits for all delivery reports.
  /// Returns by `deadline`, everything included (the caller passes its respond-by time, the
  /// invocation's deadline minus its margin): what is still queued or in flight near the deadline
  /// is ended inside the budget, never after it, whatever the brokers do. Within a run, nothing
  /// after a message that failed is delivered. Outcome i belongs to runs[i]; success comes only
  /// from delivery reports. The error is permanent only when that message itself can never be
  /// accepted (a poison event); retryable when the deadline or a broker fault cut the run short.
  [[nodiscard]] virtual std::vector<PublishOutcome> publish(std::span<const PublishRun> runs,
                                                            Deadline deadline) = 0;
};

}  // namespace dispatcher::core::dispatch
