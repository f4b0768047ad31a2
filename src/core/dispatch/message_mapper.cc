#include "core/dispatch/message_mapper.h"

#include <charconv>
#include <string_view>
#include <utility>

namespace dispatcher::core::dispatch {
namespace {

using dynamodb::AttributeMap;
using dynamodb::AttributeValue;
using dynamodb::Binary;
using dynamodb::Item;
using dynamodb::Number;

/// Where the item is, for error messages: its key when readable.
std::string describe_item(const Item& item) {
  std::string text = "event item";
  if (const auto id = item.find("id"); id != item.end()) {
    if (const auto* id_text = std::get_if<std::string>(&id->second.value)) {
      text += " id '" + *id_text + "'";
    }
  }
  if (const auto version = item.find("version"); version != item.end()) {
    if (const auto* number = std::get_if<Number>(&version->second.value)) {
      text += " version " + number->text;
    }
  }
  return text;
}

/// The attribute `name` holding alternative T (`type_name` is DynamoDB's letter for it).
template <typename T>
Result<const T*> required_attribute(const Item& item, const std::string& name,
                                    std::string_view type_name) {
  const auto found = item.find(name);
  if (found == item.end()) {
    return fail(permanent_error("MissingAttribute",
                                describe_item(item) + " has no attribute '" + name + "'"));
  }
  const T* value = std::get_if<T>(&found->second.value);
  if (value == nullptr) {
    return fail(permanent_error("InvalidAttribute", describe_item(item) + " attribute '" + name +
                                                        "' is not of type " +
                                                        std::string(type_name)));
  }
  return value;
}

}  // namespace

Result<std::int64_t> event_version(const Item& item) {
  auto number = required_attribute<Number>(item, "version", "N");
  if (!number) {
    return fail(std::move(number.error()));
  }
  const std::string& text = (*number)->text;
  std::int64_t version = 0;
  const char* const end = text.data() + text.size();
  const auto [parsed_end, error] = std::from_chars(text.data(), end, version);
  if (error != std::errc{} || parsed_end != end) {
    return fail(permanent_error("InvalidAttribute", describe_item(item) +
                                                        " attribute 'version' is not an integer "
                                                        "in the 64-bit range"));
  }
  return version;
}

std::size_t message_size(const OutgoingMessage& message) noexcept {
  std::size_t size = message.key.size() + message.value.size();
  for (const auto& [name, value] : message.headers) {
    size += name.size() + value.size();
  }
  return size;
}

Result<OutgoingMessage> MessageMapper::map(const Item& item) const {
  // Read in the order of the schema so the first problem reported is stable.
  const auto id = required_attribute<std::string>(item, "id", "S");
  if (!id) {
    return fail(id.error());
  }
  const auto version = event_version(item);
  if (!version) {
    return fail(version.error());
  }
  const auto stream_type = required_attribute<std::string>(item, "streamType", "S");
  if (!stream_type) {
    return fail(stream_type.error());
  }
  const auto stream_id = required_attribute<std::string>(item, "streamId", "S");
  if (!stream_id) {
    return fail(stream_id.error());
  }
  const auto event_id = required_attribute<std::string>(item, "eventId", "S");
  if (!event_id) {
    return fail(event_id.error());
  }
  const auto data = required_attribute<Binary>(item, "data", "B");
  if (!data) {
    return fail(data.error());
  }
  const auto timestamp = required_attribute<Number>(item, "timestamp", "N");
  if (!timestamp) {
    return fail(timestamp.error());
  }
  const auto event_type = required_attribute<std::string>(item, "eventType", "S");
  if (!event_type) {
    return fail(event_type.error());
  }

  OutgoingMessage message{
      .topic = options_.topic, .key = **stream_id, .value = (*data)->bytes, .headers = {}};
  if (const auto headers = item.find("headers"); headers != item.end()) {
    const auto* entries = std::get_if<AttributeMap>(&headers->second.value);
    if (entries == nullptr) {
      return fail(permanent_error("InvalidAttribute",
                                  describe_item(item) + " attribute 'headers' is not of type M"));
    }
    message.headers.reserve(entries->size() + 6);
    for (const auto& [name, value] : *entries) {
      const auto* text = std::get_if<std::string>(&value.value);
      if (text == nullptr) {
        return fail(permanent_error(
            "InvalidAttribute", describe_item(item) + " header '" + name + "' is not of type S"));
      }
      message.headers.emplace_back(name, *text);
    }
  } else {
    message.headers.reserve(6);
  }
  const auto& version_text = std::get<Number>(item.at("version").value).text;
  message.headers.emplace_back("messageId", **event_id);
  message.headers.emplace_back("messageType", **event_type);
  message.headers.emplace_back("streamType", **stream_type);
  message.headers.emplace_back("streamId", **stream_id);
  message.headers.emplace_back("version", version_text);
  message.headers.emplace_back("timestamp", (*timestamp)->text);

  if (const std::size_t size = message_size(message); size > options_.max_message_bytes) {
    return fail(permanent_error("MessageTooLarge", describe_item(item) + " makes a message of " +
                                                       std::to_string(size) +
                                                       " bytes, over the limit of " +
                                                       std::to_string(options_.max_message_bytes)));
  }
  return message;
}

}  // namespace dispatcher::core::dispatch
