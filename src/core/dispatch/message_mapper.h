#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "core/dispatch/ports.h"
#include "core/dynamodb/attribute_value.h"
#include "core/result.h"

namespace dispatcher::core::dispatch {

struct MessageMapperOptions {
  std::string topic;  ///< KAFKA_TOPIC_OUTPUT
  /// The largest message the broker accepts (its message.max.bytes / the topic's
  /// max.message.bytes). Counted as key + value + every header name and value, which is what the
  /// broker counts minus a few bytes of framing.
  std::size_t max_message_bytes = 1000000;
};

/// Turns an event item into the Kafka message users depend on (DESIGN §4):
/// key = streamId; value = data bytes unchanged; headers = the item's `headers` map in name order,
/// then messageId (eventId), messageType (eventType), streamType, streamId, version, timestamp, all
/// UTF-8 strings, version and timestamp being the exact decimal text DynamoDB stored. A `headers`
/// entry with a standard name is kept: both headers are sent, the standard one last.
class MessageMapper {
 public:
  explicit MessageMapper(MessageMapperOptions options) : options_(std::move(options)) {}

  /// The message for `item`, or a permanent error when the item cannot become a valid message (a
  /// poison event): "InvalidItem" (a required attribute missing or of the wrong type: id S,
  /// version N integer, streamType S, streamId S, eventId S, data B, timestamp N, eventType S;
  /// headers, when present, M of S), "MessageTooLarge" (over max_message_bytes). The message
  /// names the attribute and the event's version when readable, never an attribute's value.
  [[nodiscard]] Result<OutgoingMessage> map(const dynamodb::Item& item) const;

  [[nodiscard]] const MessageMapperOptions& options() const noexcept { return options_; }

 private:
  MessageMapperOptions options_;
};

/// The item's `version` attribute as an integer. Error: permanent "InvalidItem" (missing, not N,
/// or not an integer in the int64 range).
[[nodiscard]] Result<std::int64_t> event_version(const dynamodb::Item& item);

/// The size the broker counts for `message`: key + value + header names and values.
[[nodiscard]] std::size_t message_size(const OutgoingMessage& message) noexcept;

}  // namespace dispatcher::core::dispatch
