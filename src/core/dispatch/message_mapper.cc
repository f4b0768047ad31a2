#include "core/dispatch/message_mapper.h"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "core/dispatch/event_timestamp.h"

namespace dispatcher::core::dispatch {
namespace {

using dynamodb::AttributeMap;
using dynamodb::Item;

/// Prefixes the codec's error ("eventId: missing") with the event's version when readable, so a
/// log line locates the poison event. Values are never quoted: items can carry personal data.
Error poison(const Item& item, Error error) {
  if (const auto version = dynamodb::integer_attribute(item, "version")) {
    error.message = "event version " + std::to_string(*version) + ": " + error.message;
  }
  return error;
}

// The headers every message carries (DESIGN §4); an item header cannot replace them.
constexpr std::array<std::string_view, 6> kStandardHeaderNames = {
    "messageId", "messageType", "streamType", "streamId", "version", "timestamp"};

// With CloudEvents on, these are the mapper's too (ce_* and content-type).
constexpr std::array<std::string_view, 7> kCloudEventsHeaderNames = {
    "ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject", "content-type"};

bool is_standard_header(std::string_view name, bool cloud_events) noexcept {
  return std::ranges::find(kStandardHeaderNames, name) != kStandardHeaderNames.end() ||
         (cloud_events &&
          std::ranges::find(kCloudEventsHeaderNames, name) != kCloudEventsHeaderNames.end());
}

TopicTemplate parse_topic_template(std::string_view text) {
  auto parsed = TopicTemplate::parse(text);
  if (!parsed) {
    throw std::invalid_argument("message mapper: " + parsed.error().describe());
  }
  return std::move(*parsed);
}

}  // namespace

MessageMapper::MessageMapper(MessageMapperOptions options)
    : options_(std::move(options)), topic_(parse_topic_template(options_.topic)) {}

Result<std::int64_t> event_version(const Item& item) {
  return dynamodb::required_integer(item, "version");
}

std::size_t message_size(const OutgoingMessage& message) noexcept {
  std::size_t size = message.key.size() + message.value.size();
  for (const auto& [name, value] : message.headers) {
    size += name.size() + value.size();
  }
  return size;
}

Result<OutgoingMessage> MessageMapper::map(const Item& item) const {
  std::vector<Warning> ignored;
  return map(item, ignored);
}

Result<OutgoingMessage> MessageMapper::map(const Item& item, std::vector<Warning>& warnings) const {
  // Checked in the order of the schema, so the problem reported first is stable.
  if (auto id = dynamodb::required_string(item, "id"); !id) {
    return fail(poison(item, std::move(id.error())));
  }
  if (auto version = dynamodb::required_integer(item, "version"); !version) {
    return fail(poison(item, std::move(version.error())));
  }
  auto stream_type = dynamodb::required_string(item, "streamType");
  if (!stream_type) {
    return fail(poison(item, std::move(stream_type.error())));
  }
  auto stream_id = dynamodb::required_string(item, "streamId");
  if (!stream_id) {
    return fail(poison(item, std::move(stream_id.error())));
  }
  if (stream_id->empty()) {
    // The key: librdkafka sends an empty key to a random partition, which would spread the
    // aggregate over partitions and break its order.
    return fail(poison(item, permanent_error("InvalidItem",
                                             "streamId: empty; it is the message key, which keeps "
                                             "an aggregate on one partition")));
  }
  auto event_id = dynamodb::required_string(item, "eventId");
  if (!event_id) {
    return fail(poison(item, std::move(event_id.error())));
  }
  auto data = dynamodb::required_binary(item, "data");
  if (!data) {
    return fail(poison(item, std::move(data.error())));
  }
  const std::string* timestamp = dynamodb::number_attribute(item, "timestamp");
  if (timestamp == nullptr) {
    const auto* found = dynamodb::attribute(item, "timestamp");
    return fail(poison(
        item, permanent_error(
                  "InvalidItem",
                  std::string("timestamp: expected {\"N\": ...}, ") +
                      (found == nullptr ? std::string("missing")
                                        : "found {\"" + std::string(dynamodb::type_name(*found)) +
                                              "\": ...}"))));
  }
  auto event_type = dynamodb::required_string(item, "eventType");
  if (!event_type) {
    return fail(poison(item, std::move(event_type.error())));
  }
  const AttributeMap* item_headers = nullptr;
  if (dynamodb::attribute(item, "headers") != nullptr) {
    auto headers = dynamodb::required_map(item, "headers");
    if (!headers) {
      return fail(poison(item, std::move(headers.error())));
    }
    item_headers = *headers;
  }

  // After the schema checks, so a missing streamType is reported as such, not as a bad topic.
  auto topic = topic_.render(item);
  if (!topic) {
    return fail(poison(item, std::move(topic.error())));
  }

  OutgoingMessage message{.topic = std::move(*topic),
                          .key = std::string(*stream_id),
                          .value = std::string(*data),
                          .headers = {}};
  constexpr std::size_t kStandardHeaders = 6;
  constexpr std::size_t kCloudEventsHeaders = 7;
  message.headers.reserve((item_headers != nullptr ? item_headers->size() : 0) + kStandardHeaders +
                          (options_.cloud_events ? kCloudEventsHeaders : 0));
  if (item_headers != nullptr) {
    for (const auto& [name, value] : *item_headers) {
      const auto* text = std::get_if<std::string>(&value.value);
      if (text == nullptr) {
        return fail(poison(
            item, permanent_error("InvalidItem", "headers." + name +
                                                     ": expected {\"S\": ...}, "
                                                     "found {\"" +
                                                     std::string(dynamodb::type_name(value)) +
                                                     "\": ...}")));
      }
      if (is_standard_header(name, options_.cloud_events.has_value())) {
        // The standard header is the contract consumers rely on: it wins, the item's is dropped.
        const auto version = dynamodb::integer_attribute(item, "version");
        warnings.push_back(
            Warning{.code = "StandardHeaderKept",
                    .sequence_number = {},
                    .message = (version ? "event version " + std::to_string(*version) + ": " : "") +
                               "the item's header \"" + name + "\" has a standard header's name; " +
                               "the standard header is sent and the item's is dropped"});
        continue;
      }
      message.headers.emplace_back(name, *text);
    }
  }
  message.headers.emplace_back("messageId", *event_id);
  message.headers.emplace_back("messageType", *event_type);
  message.headers.emplace_back("streamType", *stream_type);
  message.headers.emplace_back("streamId", *stream_id);
  message.headers.emplace_back("version", *dynamodb::number_attribute(item, "version"));
  message.headers.emplace_back("timestamp", *timestamp);
  if (const auto& cloud_events = options_.cloud_events) {
    message.headers.emplace_back("ce_specversion", "1.0");
    message.headers.emplace_back("ce_id", *event_id);
    message.headers.emplace_back("ce_source", cloud_events->source);
    message.headers.emplace_back("ce_type", *event_type);
    if (const auto time = event_timestamp(item)) {
      message.headers.emplace_back("ce_time", rfc3339_utc(*time));
    }
    message.headers.emplace_back("ce_subject", *dynamodb::string_attribute(item, "id"));
    if (!cloud_events->content_type.empty()) {
      message.headers.emplace_back("content-type", cloud_events->content_type);
    }
  }

  if (const std::size_t size = message_size(message); size > options_.max_message_bytes) {
    return fail(poison(
        item, permanent_error("MessageTooLarge", "the message would be " + std::to_string(size) +
                                                     " bytes, over the limit of " +
                                                     std::to_string(options_.max_message_bytes))));
  }
  return message;
}

}  // namespace dispatcher::core::dispatch
