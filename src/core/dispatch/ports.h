#pragma once

// The two interfaces the dispatch core talks to. Adapters implement them against DynamoDB and
// Kafka; tests implement them in memory. Every call takes a whole wave of work at once, so the
// number of sequential round trips of an invocation does not grow with the number of aggregates.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
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
};

/// Read the events of one aggregate with version > after_version, ascending, at most max_events.
struct EventQuery {
  AggregateId aggregate_id;
  std::int64_t after_version = -1;
  std::size_t max_events = 0;
};

struct EventPage {
  std::vector<dynamodb::Item> items;  ///< ascending by version
  bool more_available = false;        ///< max_events was reached before the end of the aggregate
};

struct OffsetCommit {
  AggregateId aggregate_id;
  std::int64_t version = 0;  ///< the last dispatched version
};

class EventStore {
 public:
  virtual ~EventStore() = default;

  /// Writes one change marker per entry (chunks of 25, unprocessed items retried with backoff).
  /// Result i belongs to markers[i].
  [[nodiscard]] virtual std::vector<Status> write_markers(std::span<const MarkerWrite> markers,
                                                          Deadline deadline) = 0;

  /// Strongly consistent read of committed offsets (chunks of 100, unprocessed keys retried).
  /// nullopt: the aggregate has no offset yet. Result i belongs to aggregate_ids[i].
  [[nodiscard]] virtual std::vector<Result<std::optional<std::int64_t>>> read_offsets(
      std::span<const AggregateId> aggregate_ids, Deadline deadline) = 0;

  /// Strongly consistent, paginated Query per entry, all in flight together.
  /// Result i belongs to queries[i].
  [[nodiscard]] virtual std::vector<Result<EventPage>> read_events(
      std::span<const EventQuery> queries, Deadline deadline) = 0;

  /// Conditional forward-only offset writes, all in flight together. A write that loses to an
  /// equal or higher stored offset is success, not an error. Result i belongs to commits[i].
  [[nodiscard]] virtual std::vector<Status> commit_offsets(std::span<const OffsetCommit> commits,
                                                           Deadline deadline) = 0;
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
