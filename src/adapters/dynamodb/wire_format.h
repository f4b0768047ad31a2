#pragma once

// What the DynamoDB operations share of the AWS JSON protocol: expression maps, item decoding
// with the operation named in the error, the "dynamodb" service on every error, and the
// DescribeTable/CreateTable table description. Internal to src/adapters/dynamodb/.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/dynamodb/dynamodb_client.h"
#include "core/result.h"

namespace dispatcher::adapters::dynamodb::detail {

/// `error` with service "dynamodb".
[[nodiscard]] core::Error with_service(core::Error error);

/// Permanent "UnexpectedResponse": the answer of `operation` is not shaped as documented.
[[nodiscard]] core::Error unexpected(std::string_view operation, std::string_view what);

/// Adds ExpressionAttributeNames/Values to `input`, each only when it has entries.
void add_expressions(nlohmann::json& input, const ExpressionNames& names,
                     const ExpressionValues& values);

[[nodiscard]] core::Result<Item> decode_item(const nlohmann::json& value,
                                             std::string_view operation);
[[nodiscard]] core::Result<std::vector<Item>> decode_items(const nlohmann::json& array,
                                                           std::string_view operation);

/// The optional item-valued member `name` of `object`.
[[nodiscard]] core::Result<std::optional<Item>> optional_item(const nlohmann::json& object,
                                                              const char* name,
                                                              std::string_view operation);

/// Whether `body` is a JSON object, by the nlohmann path (for what the simdjson decoder declined).
[[nodiscard]] bool is_json_object_text(const std::string& body);

/// The table of a DescribeTable ("Table") or CreateTable ("TableDescription") answer.
[[nodiscard]] core::Result<TableDescription> table_description(const nlohmann::json& output,
                                                               std::string_view operation);

}  // namespace dispatcher::adapters::dynamodb::detail
