#include "adapters/dynamodb/wire_format.h"

#include <utility>

#include "core/dynamodb/json_codec.h"

namespace dispatcher::adapters::dynamodb::detail {

using core::Error;
using core::dynamodb::item_from_json;
using core::dynamodb::item_to_json;
using nlohmann::json;

Error with_service(Error error) {
  error.service = "dynamodb";
  return error;
}

Error unexpected(std::string_view operation, std::string_view what) {
  return with_service(core::permanent_error(
      "UnexpectedResponse",
      std::string(operation) + ": unexpected response: " + std::string(what)));
}

void add_expressions(json& input, const ExpressionNames& names, const ExpressionValues& values) {
  if (!names.empty()) {
    json object = json::object();
    for (const auto& [placeholder, name] : names) {
      object[placeholder] = name;
    }
    input["ExpressionAttributeNames"] = std::move(object);
  }
  if (!values.empty()) {
    input["ExpressionAttributeValues"] = item_to_json(values);
  }
}

core::Result<Item> decode_item(const json& value, std::string_view operation) {
  auto item = item_from_json(value);
  if (!item.has_value()) {
    Error error = with_service(std::move(item.error()));
    error.message = std::string(operation) + ": " + error.message;
    return core::fail(std::move(error));
  }
  return item;
}

core::Result<std::vector<Item>> decode_items(const json& array, std::string_view operation) {
  if (!array.is_array()) {
    return core::fail(unexpected(operation, "items are not an array"));
  }
  std::vector<Item> items;
  items.reserve(array.size());
  for (const auto& value : array) {
    auto item = decode_item(value, operation);
    if (!item.has_value()) {
      return core::fail(std::move(item.error()));
    }
    items.push_back(std::move(*item));
  }
  return items;
}

/// The optional item-valued member `name` of `object`.
core::Result<std::optional<Item>> optional_item(const json& object, const char* name,
                                                std::string_view operation) {
  const auto found = object.find(name);
  if (found == object.end() || found->is_null()) {
    return std::optional<Item>();
  }
  auto item = decode_item(*found, operation);
  if (!item.has_value()) {
    return core::fail(std::move(item.error()));
  }
  return std::optional<Item>(std::move(*item));
}

/// Whether `body` is a JSON object, by the nlohmann path (for what the simdjson decoder declined).
bool is_json_object_text(const std::string& body) {
  return json::parse(body, nullptr, false).is_object();
}

}  // namespace dispatcher::adapters::dynamodb::detail
