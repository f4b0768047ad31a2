#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/dispatch/ports.h"
#include "core/dispatch/topic_template.h"
#include "core/dispatch/warning.h"
#include "core/dynamodb/attribute_value.h"
#include "core/result.h"

namespace dispatcher::core::dispatch {

/// CloudEvents binary content mode (the Kafka protocol binding), when enabled: headers
/// ce_specversion "1.0", ce_id (eventId), ce_source, ce_type (eventType), ce_time (the event's
/// timestamp in RFC 3339; left out when unreadable), ce_subject (the item's id), and content-type
/// when set. Sent after the standard headers; an item header of one of these names is dropped.
struct CloudEventsOptions {
  std::string source;        ///< ce_source (KAFKA_CLOUDEVENTS_SOURCE; default the events table)
  std::string content_type;  ///< the content-type header; empty: none
};

struct MessageMapperOptions {
  /// KAFKA_TOPIC_OUTPUT: a topic name or a template over the event's fields ("events.{streamType}",
  /// see TopicTemplate). It must parse: the mapper's constructor throws otherwise.
  std::string topic;
  /// The largest message the broker accepts (its message.max.bytes / the topic's
  /// max.message.bytes). Counted as key + value + every header name and value, which is what the
  /// broker counts minus a few bytes of framing.
  std::size_t max_message_bytes = 1000000;
  /// nullopt: no CloudEvents headers (the default).
  std::optional<CloudEventsOptions> cloud_events;
};

/// Turns an event item into the Kafka message users depend on (DESIGN §4):
/// topic = the topic template rendered for the event; key = streamId; value = data bytes unchanged;
/// headers = the item's `headers` map in name order, then messageId (eventId), messageType
/// (eventType), streamType, streamId, version, timestamp, all UTF-8 strings, version and timestamp
/// being the exact decimal text DynamoDB stored. A `headers` entry with a standard name cannot
/// shadow the standard header: it is dropped, and a warning says so.
class MessageMapper {
 public:
  /// Throws std::invalid_argument when options.topic is not a valid topic template (a start-up
  /// error; Settings validates KAFKA_TOPIC_OUTPUT before this).
  explicit MessageMapper(MessageMapperOptions options);

  /// The message for `item`, or a permanent error when the item cannot become a valid message (a
  /// poison event): "InvalidItem" (a required attribute missing or of the wrong type: id S,
  /// version N integer, streamType S, streamId S, eventId S, data B, timestamp N, eventType S;
  /// headers, when present, M of S; an empty streamId, because the key keeps an aggregate on one
  /// partition), "InvalidTopic" (the topic template gives no legal topic name for the event),
  /// "MessageTooLarge" (over max_message_bytes). The message names the attribute and the event's
  /// version when readable, never an attribute's value. Appends to `warnings` what was changed on
  /// purpose ("StandardHeaderKept": an item header named like a standard one was dropped).
  [[nodiscard]] Result<OutgoingMessage> map(const dynamodb::Item& item,
                                            std::vector<Warning>& warnings) const;

  /// As map(item, warnings), without the warnings.
  [[nodiscard]] Result<OutgoingMessage> map(const dynamodb::Item& item) const;

  /// As map(item, warnings), moving the value and the header texts out of `item` instead of
  /// copying them (the key, streamId, is copied: it is also a header). On success `item` is left
  /// with those attributes emptied; on error it is unchanged.
  [[nodiscard]] Result<OutgoingMessage> map(dynamodb::Item&& item,
                                            std::vector<Warning>& warnings) const;

  /// The topic `item` goes to; errors as TopicTemplate::render.
  [[nodiscard]] Result<std::string> topic_for(const dynamodb::Item& item) const {
    return topic_.render(item);
  }

  [[nodiscard]] const MessageMapperOptions& options() const noexcept { return options_; }

 private:
  template <bool kConsume>
  [[nodiscard]] Result<OutgoingMessage> build(const dynamodb::Item& item,
                                              std::vector<Warning>& warnings) const;

  MessageMapperOptions options_;
  TopicTemplate topic_;
};

/// The item's `version` attribute as an integer. Error: permanent "InvalidItem" (missing, not N,
/// or not an integer in the int64 range).
[[nodiscard]] Result<std::int64_t> event_version(const dynamodb::Item& item);

/// The size the broker counts for `message`: key + value + header names and values.
[[nodiscard]] std::size_t message_size(const OutgoingMessage& message) noexcept;

}  // namespace dispatcher::core::dispatch
