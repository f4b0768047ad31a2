#include "core/dispatch/message_mapper.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "core/dispatch/event_timestamp.h"
#include "core/encoding/utc_time.h"

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
  return build<false>(item, warnings);
}

// NOLINTNEXTLINE(cppcoreguidelines-rvalue-reference-param-not-moved): build<true> moves its texts
Result<OutgoingMessage> MessageMapper::map(Item&& item, std::vector<Warning>& warnings) const {
  return build<true>(item, warnings);
}

template <bool kConsume>
Result<OutgoingMessage> MessageMapper::build(const Item& item,
                                             std::vector<Warning>& warnings) const {
  // kConsume: the caller handed the item over (map(Item&&)), so its texts may be moved out; the
  // const_cast only drops the const this shared body added. Nothing is moved before every check
  // (the size one included) has passed, so a refused item stays whole for its dead letter.
  const auto take = [](const std::string& text) -> std::string {
    if constexpr (kConsume) {
      return std::move(const_cast<std::string&>(text));  // NOLINT(*-const-cast): see above
    } else {
      return text;
    }
  };
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

  // The checks and the size first, on the item as it is; then the message, taking the texts.
  const std::string& stream_id_text = *dynamodb::string_attribute(item, "streamId");
  const std::string& data_bytes = *dynamodb::binary_attribute(item, "data");
  const std::string& version_text = *dynamodb::number_attribute(item, "version");
  const std::string* event_id_text = dynamodb::string_attribute(item, "eventId");
  const std::string* event_type_text = dynamodb::string_attribute(item, "eventType");
  std::vector<std::pair<const std::string*, const std::string*>> kept_headers;
  constexpr std::size_t kStandardHeaders = 6;
  kept_headers.reserve(item_headers != nullptr ? item_headers->size() : 0);
  std::size_t size = stream_id_text.size() + data_bytes.size();
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
      kept_headers.emplace_back(&name, text);
      size += name.size() + text->size();
    }
  }
  const std::array<std::pair<std::string_view, const std::string*>, kStandardHeaders> standard = {{
      {"messageId", event_id_text},
      {"messageType", event_type_text},
      {"streamType", dynamodb::string_attribute(item, "streamType")},
      {"streamId", &stream_id_text},
      {"version", &version_text},
      {"timestamp", timestamp},
  }};
  for (const auto& [name, text] : standard) {
    size += name.size() + text->size();
  }
  // CloudEvents headers repeat eventId, eventType and id: they are made (copied) here, before the
  // texts are handed over.
  std::vector<Header> cloud_event_headers;
  if (const auto& cloud_events = options_.cloud_events) {
    cloud_event_headers.emplace_back("ce_specversion", "1.0");
    cloud_event_headers.emplace_back("ce_id", *event_id_text);
    cloud_event_headers.emplace_back("ce_source", cloud_events->source);
    cloud_event_headers.emplace_back("ce_type", *event_type_text);
    if (const auto time = event_timestamp(item)) {
      cloud_event_headers.emplace_back("ce_time", encoding::rfc3339_utc(*time));
    }
    cloud_event_headers.emplace_back("ce_subject", *dynamodb::string_attribute(item, "id"));
    if (!cloud_events->content_type.empty()) {
      cloud_event_headers.emplace_back("content-type", cloud_events->content_type);
    }
    for (const auto& [name, text] : cloud_event_headers) {
      size += name.size() + text.size();
    }
  }
  if (size > options_.max_message_bytes) {
    return fail(poison(
        item, permanent_error("MessageTooLarge", "the message would be " + std::to_string(size) +
                                                     " bytes, over the limit of " +
                                                     std::to_string(options_.max_message_bytes))));
  }

  OutgoingMessage message{.topic = std::move(*topic),
                          .key = stream_id_text,  // a copy: the streamId header takes the text
                          .value = take(data_bytes),
                          .headers = {}};
  message.headers.reserve(kept_headers.size() + kStandardHeaders + cloud_event_headers.size());
  if constexpr (kConsume) {
    if (item_headers != nullptr) {
      // The names are map keys: extracting the node is the only way to move them.
      auto& owned = const_cast<AttributeMap&>(*item_headers);  // NOLINT(*-const-cast): kConsume
      for (auto entry = owned.begin(); entry != owned.end();) {
        if (is_standard_header(entry->first, options_.cloud_events.has_value())) {
          ++entry;  // dropped, with the warning above
          continue;
        }
        auto node = owned.extract(entry++);
        message.headers.emplace_back(std::move(node.key()),
                                     std::move(std::get<std::string>(node.mapped().value)));
      }
    }
  } else {
    for (const auto& [name, text] : kept_headers) {
      message.headers.emplace_back(*name, *text);
    }
  }
  for (const auto& [name, text] : standard) {
    message.headers.emplace_back(std::string(name), take(*text));
  }
  std::ranges::move(cloud_event_headers, std::back_inserter(message.headers));
  return message;
}

}  // namespace dispatcher::core::dispatch
