#include "core/dispatch/dead_letter_builder.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <tuple>

#include "core/dispatch/message_mapper.h"
#include "core/dynamodb/json_codec.h"

namespace dispatcher::core::dispatch {
namespace {

using dynamodb::Item;

/// The standard headers of DESIGN §4, the attribute each comes from and whether it is N (else S).
struct StandardHeader {
  std::string_view header;
  std::string_view attribute;
  bool is_number;
};
constexpr std::array<StandardHeader, 6> kStandardHeaders = {{
    {.header = "messageId", .attribute = "eventId", .is_number = false},
    {.header = "messageType", .attribute = "eventType", .is_number = false},
    {.header = "streamType", .attribute = "streamType", .is_number = false},
    {.header = "streamId", .attribute = "streamId", .is_number = false},
    {.header = "version", .attribute = "version", .is_number = true},
    {.header = "timestamp", .attribute = "timestamp", .is_number = true},
}};

/// The item's headers that are strings. A non-string entry cannot be a Kafka header; when it is
/// the reason the event is poison, dlq.detail names it.
std::vector<Header> own_headers(const Item& item) {
  std::vector<Header> headers;
  if (const dynamodb::AttributeMap* map = dynamodb::map_attribute(item, "headers")) {
    for (const auto& [name, value] : *map) {
      if (const auto* text = std::get_if<std::string>(&value.value)) {
        headers.emplace_back(name, *text);
      }
    }
  }
  return headers;
}

}  // namespace

OutgoingMessage DeadLetterBuilder::build(const Item& item, const PoisonEvent& event) const {
  OutgoingMessage message;
  message.topic = options_.topic;
  const std::string* stream_id = dynamodb::string_attribute(item, "streamId");
  message.key = stream_id != nullptr ? *stream_id : event.aggregate_id;

  bool payload_is_item = false;
  if (const std::string* data = dynamodb::binary_attribute(item, "data")) {
    message.value = *data;
  } else {
    // No readable payload: the whole item is the evidence an operator needs to repair it.
    message.value = dynamodb::item_to_json(item).dump();
    payload_is_item = true;
  }

  std::vector<Header> item_headers = own_headers(item);
  std::vector<Header> dead_letter_headers;
  // Only those of the contract's type: a mistyped attribute is told by dlq.detail, not copied.
  for (const StandardHeader& standard : kStandardHeaders) {
    const std::string* text = standard.is_number
                                  ? dynamodb::number_attribute(item, standard.attribute)
                                  : dynamodb::string_attribute(item, standard.attribute);
    if (text != nullptr) {
      dead_letter_headers.emplace_back(standard.header, *text);
    }
  }
  dead_letter_headers.emplace_back(kDeadLetterReason, event.reason.code);
  dead_letter_headers.emplace_back(kDeadLetterDetail, event.reason.message);
  dead_letter_headers.emplace_back(kDeadLetterSourceTable, options_.source_table);
  dead_letter_headers.emplace_back(kDeadLetterAggregateId, event.aggregate_id);
  dead_letter_headers.emplace_back(kDeadLetterVersion, std::to_string(event.version));
  if (event.original_topic.has_value()) {
    dead_letter_headers.emplace_back(kDeadLetterOriginalTopic, *event.original_topic);
  }
  if (payload_is_item) {
    dead_letter_headers.emplace_back(kDeadLetterPayloadFormat, "dynamodb-json");
  }

  const auto assemble = [&] {
    message.headers = item_headers;
    message.headers.insert(message.headers.end(), dead_letter_headers.begin(),
                           dead_letter_headers.end());
  };
  assemble();
  if (message_size(message) <= options_.max_message_bytes) {
    return message;
  }
  // Too large even for the dead-letter topic: keep what fits and say what was cut, never drop.
  const std::string full_value = std::move(message.value);
  dead_letter_headers.emplace_back(kDeadLetterValueTruncated, "true");
  dead_letter_headers.emplace_back(kDeadLetterOriginalValueBytes,
                                   std::to_string(full_value.size()));
  const auto fit_value = [&] {
    assemble();
    message.value.clear();
    const std::size_t without_value = message_size(message);
    const std::size_t room =
        options_.max_message_bytes > without_value ? options_.max_message_bytes - without_value : 0;
    message.value = full_value.substr(0, std::min(room, full_value.size()));
    return without_value <= options_.max_message_bytes;
  };
  if (!fit_value() && !item_headers.empty()) {
    item_headers.clear();
    dead_letter_headers.emplace_back(kDeadLetterHeadersDropped, "true");
    std::ignore = fit_value();
  }
  return message;
}

}  // namespace dispatcher::core::dispatch
