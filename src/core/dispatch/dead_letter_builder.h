#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "core/dispatch/ports.h"
#include "core/dynamodb/attribute_value.h"
#include "core/result.h"

namespace dispatcher::core::dispatch {

struct DeadLetterOptions {
  std::string topic;                        ///< DISPATCHER_DEAD_LETTER_TOPIC
  std::string source_table;                 ///< EVENTS_TABLE_NAME, for the dlq.source-table header
  std::size_t max_message_bytes = 1000000;  ///< as MessageMapperOptions::max_message_bytes
};

/// Why and where a poison event stopped being an ordinary message.
struct PoisonEvent {
  AggregateId aggregate_id;
  std::int64_t version = 0;  ///< the version the event holds in its aggregate's run
  Error reason;              ///< the mapper's or the broker's permanent error
  std::optional<std::string> original_topic;  ///< the topic it was due on, when known
};

/// Header names of a dead-letter message, for producers and tests alike.
inline constexpr const char* kDeadLetterReason = "dlq.reason";
inline constexpr const char* kDeadLetterDetail = "dlq.detail";
inline constexpr const char* kDeadLetterSourceTable = "dlq.source-table";
inline constexpr const char* kDeadLetterAggregateId = "dlq.aggregate-id";
inline constexpr const char* kDeadLetterVersion = "dlq.version";
inline constexpr const char* kDeadLetterOriginalTopic = "dlq.original-topic";
inline constexpr const char* kDeadLetterPayloadFormat = "dlq.payload-format";
inline constexpr const char* kDeadLetterValueTruncated = "dlq.value-truncated";
inline constexpr const char* kDeadLetterOriginalValueBytes = "dlq.original-value-bytes";
inline constexpr const char* kDeadLetterHeadersDropped = "dlq.headers-dropped";

/// Turns a poison event into the message that goes to the dead-letter topic instead, so nothing
/// is dropped and the aggregate can continue (PoisonPolicy::kDeadLetter).
class DeadLetterBuilder {
 public:
  explicit DeadLetterBuilder(DeadLetterOptions options) : options_(std::move(options)) {}

  /// The dead-letter message for `item`. Never fails: whatever of the item is readable is kept.
  /// value = the `data` bytes when `data` is B, else the whole item as DynamoDB JSON text (with
  /// dlq.payload-format=dynamodb-json); key = streamId when it is S, else the aggregate id;
  /// headers = the item's own string headers, then messageId, messageType, streamType, streamId,
  /// version, timestamp (those readable), then dlq.reason (error code), dlq.detail (error
  /// message), dlq.source-table, dlq.aggregate-id, dlq.version, dlq.original-topic (when known).
  /// Over max_message_bytes, the value is cut to fit (dlq.value-truncated=true,
  /// dlq.original-value-bytes=<size>); if that is not enough the item's own headers go too
  /// (dlq.headers-dropped=true).
  [[nodiscard]] OutgoingMessage build(const dynamodb::Item& item, const PoisonEvent& event) const;

  [[nodiscard]] const DeadLetterOptions& options() const noexcept { return options_; }

 private:
  DeadLetterOptions options_;
};

}  // namespace dispatcher::core::dispatch
