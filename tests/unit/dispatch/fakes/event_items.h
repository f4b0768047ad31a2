#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/dispatch/ports.h"
#include "core/dynamodb/attribute_value.h"

namespace dispatcher::fakes {

namespace dispatch = core::dispatch;
namespace dynamodb = core::dynamodb;

inline constexpr std::string_view kStreamType = "Order";

/// The events table's `id` of a stream: "Order:<stream id>".
inline dispatch::AggregateId aggregate_id_of(std::string_view stream_id) {
  return std::string(kStreamType) + ":" + std::string(stream_id);
}

/// The eventId the test writers give an event.
inline std::string event_id_of(std::string_view stream_id, std::int64_t version) {
  return "evt-" + std::string(stream_id) + "-" + std::to_string(version);
}

/// A valid event item of the seed schema. Its data holds bytes JSON text would mangle (NUL, high
/// bytes) so "value unchanged" means something.
inline dynamodb::Item event_item(std::string_view stream_id, std::int64_t version) {
  std::string data = "payload of " + std::string(stream_id) + " v" + std::to_string(version);
  data.push_back('\0');
  data.push_back(static_cast<char>(0xFF));
  return dynamodb::Item{
      {"id", dynamodb::string_value(aggregate_id_of(stream_id))},
      {"version", dynamodb::integer_value(version)},
      {"streamType", dynamodb::string_value(std::string(kStreamType))},
      {"streamId", dynamodb::string_value(std::string(stream_id))},
      {"eventId", dynamodb::string_value(event_id_of(stream_id, version))},
      {"data", dynamodb::binary_value(std::move(data))},
      {"timestamp", dynamodb::number_value("1700000000" + std::to_string(100 + version % 900))},
      {"eventType", dynamodb::string_value("OrderPlaced")},
      {"headers",
       dynamodb::AttributeValue{dynamodb::AttributeMap{
           {"traceparent", dynamodb::string_value("00-trace-" + std::to_string(version))},
       }}},
  };
}

}  // namespace dispatcher::fakes
