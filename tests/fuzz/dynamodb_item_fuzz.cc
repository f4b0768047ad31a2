// DynamoDB JSON items (core::dynamodb::item_from_json, the AttributeValue decoder) and the
// item -> Kafka message mapping (core::dispatch::MessageMapper): items written by any
// application, read back from Query pages.
//
// Invariants beyond not crashing:
//  - decode -> encode -> decode gives the same item, and encoding twice gives the same JSON;
//  - a refused item is a permanent "InvalidAttributeValue" that names a path and never quotes a
//    string value of the item (items can carry personal data);
//  - a mapped message has key == streamId, value == data bytes, the six standard headers equal
//    to the item's attributes (messageId == eventId, version == the N text, ...), the rendered
//    topic, and is within max_message_bytes;
//  - a mapping failure is one of the documented permanent codes, with a message.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/dispatch/message_mapper.h"
#include "core/dynamodb/attribute_value.h"
#include "core/dynamodb/json_codec.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_text.h"

namespace {

namespace ddb = dispatcher::core::dynamodb;
using dispatcher::core::dispatch::MessageMapper;
using dispatcher::core::dispatch::MessageMapperOptions;
using nlohmann::json;

constexpr std::size_t kMaxMessageBytes = 2048;

const MessageMapper& mapper() {
  static const MessageMapper instance(
      MessageMapperOptions{.topic = "events.{streamType}", .max_message_bytes = kMaxMessageBytes});
  return instance;
}

/// The value of the standard header `name`, which must be there exactly once.
const std::string& standard_header(const dispatcher::core::dispatch::OutgoingMessage& message,
                                   std::string_view name) {
  const std::string* found = nullptr;
  for (const auto& [header, value] : message.headers) {
    if (header == name) {
      FUZZ_CHECK(found == nullptr, "a standard header twice");
      found = &value;
    }
  }
  FUZZ_CHECK(found != nullptr, "a standard header missing");
  return *found;
}

void check_refusal_quotes_no_value(const json& document, const std::string& message) {
  std::vector<std::string> values;
  dispatcher::fuzz::collect_strings(document, values);
  std::vector<std::string> keys;
  dispatcher::fuzz::collect_keys(document, keys);
  for (const std::string& value : values) {
    if (dispatcher::fuzz::distinctive(value) && !dispatcher::fuzz::inside_any(value, keys)) {
      FUZZ_CHECK(message.find(value) == std::string::npos, "an error message quotes a value");
    }
  }
}

void check_message(const ddb::Item& item) {
  std::vector<dispatcher::core::dispatch::Warning> warnings;
  auto message = mapper().map(item, warnings);
  if (!message) {
    const auto& code = message.error().code;
    FUZZ_CHECK(code == "InvalidItem" || code == "InvalidTopic" || code == "MessageTooLarge", code);
    FUZZ_CHECK(!message.error().message.empty(), "a mapping error without a message");
    FUZZ_CHECK(!message.error().retryable(), "a poison event reported as retryable");
    return;
  }
  const std::string* stream_id = ddb::string_attribute(item, "streamId");
  FUZZ_CHECK(stream_id != nullptr && !stream_id->empty(), "a message without a streamId");
  FUZZ_CHECK(message->key == *stream_id, "the message key is not streamId");
  FUZZ_CHECK(message->value == *ddb::binary_attribute(item, "data"), "value is not data");
  FUZZ_CHECK(message->topic == "events." + *ddb::string_attribute(item, "streamType"),
             "topic is not the rendered template");
  FUZZ_CHECK(standard_header(*message, "messageId") == *ddb::string_attribute(item, "eventId"),
             "messageId is not eventId");
  FUZZ_CHECK(standard_header(*message, "messageType") == *ddb::string_attribute(item, "eventType"),
             "messageType is not eventType");
  FUZZ_CHECK(standard_header(*message, "streamType") == *ddb::string_attribute(item, "streamType"),
             "streamType header");
  FUZZ_CHECK(standard_header(*message, "streamId") == *stream_id, "streamId header");
  FUZZ_CHECK(standard_header(*message, "version") == *ddb::number_attribute(item, "version"),
             "version header is not the N text");
  FUZZ_CHECK(standard_header(*message, "timestamp") == *ddb::number_attribute(item, "timestamp"),
             "timestamp header is not the N text");
  FUZZ_CHECK(ddb::integer_attribute(item, "version").has_value(), "a non-integer version mapped");
  FUZZ_CHECK(dispatcher::core::dispatch::message_size(*message) <= kMaxMessageBytes,
             "a message over max_message_bytes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const json document =
      json::parse(dispatcher::fuzz::as_text(data, size), nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    return 0;
  }

  // One value, as in an attribute or a list element.
  if (auto value = ddb::attribute_value_from_json(document); value) {
    const json encoded = ddb::to_json(*value);
    auto again = ddb::attribute_value_from_json(encoded);
    FUZZ_CHECK(again.has_value(), "an encoded value does not decode");
    FUZZ_CHECK(*again == *value, "decode -> encode -> decode changed the value");
    FUZZ_CHECK(ddb::to_json(*again) == encoded, "encoding is not stable");
  } else {
    FUZZ_CHECK(value.error().code == "InvalidAttributeValue", value.error().code);
    check_refusal_quotes_no_value(document, value.error().message);
  }

  // A whole item, then its message.
  auto item = ddb::item_from_json(document);
  if (!item) {
    FUZZ_CHECK(item.error().code == "InvalidAttributeValue", item.error().code);
    FUZZ_CHECK(!item.error().message.empty(), "a decoding error without a message");
    check_refusal_quotes_no_value(document, item.error().message);
    return 0;
  }
  const json encoded = ddb::item_to_json(*item);
  auto again = ddb::item_from_json(encoded);
  FUZZ_CHECK(again.has_value(), "an encoded item does not decode");
  FUZZ_CHECK(*again == *item, "decode -> encode -> decode changed the item");
  FUZZ_CHECK(ddb::item_to_json(*again) == encoded, "item encoding is not stable");
  (void)ddb::approximate_size(*item);
  check_message(*item);
  return 0;
}
