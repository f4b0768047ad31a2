// DescribeTable, and the table description it shares with CreateTable (table_admin.cc).

#include "adapters/dynamodb/dynamodb_client.h"

#include <cstdint>
#include <utility>

#include "adapters/dynamodb/wire_format.h"

namespace dispatcher::adapters::dynamodb {
namespace detail {
namespace {

using nlohmann::json;

std::optional<std::string> optional_string(const json& object, const char* name) {
  const auto found = object.find(name);
  if (found == object.end() || !found->is_string()) {
    return std::nullopt;
  }
  return found->get<std::string>();
}

core::Result<KeyAttribute> key_attribute(const json& table, const std::string& name) {
  const auto definitions = table.find("AttributeDefinitions");
  if (definitions != table.end() && definitions->is_array()) {
    for (const auto& definition : *definitions) {
      if (definition.value("AttributeName", "") == name) {
        return KeyAttribute{.name = name, .type = definition.value("AttributeType", "")};
      }
    }
  }
  return core::fail(unexpected("DescribeTable", "key attribute without a definition"));
}

}  // namespace

core::Result<TableDescription> table_description(const json& output, std::string_view operation) {
  const auto table = output.find(operation == "CreateTable" ? "TableDescription" : "Table");
  if (table == output.end() || !table->is_object()) {
    return core::fail(unexpected(operation, "no table description"));
  }
  TableDescription description;
  description.table_name = table->value("TableName", "");
  description.table_arn = table->value("TableArn", "");
  description.table_status = table->value("TableStatus", "");
  description.item_count = table->value("ItemCount", std::int64_t{0});
  description.latest_stream_arn = optional_string(*table, "LatestStreamArn");
  if (const auto stream = table->find("StreamSpecification");
      stream != table->end() && stream->value("StreamEnabled", false)) {
    description.stream_view_type = optional_string(*stream, "StreamViewType");
  }
  const auto schema = table->find("KeySchema");
  if (schema == table->end() || !schema->is_array()) {
    return core::fail(unexpected(operation, "no key schema"));
  }
  bool has_partition_key = false;
  for (const auto& element : *schema) {
    auto attribute = key_attribute(*table, element.value("AttributeName", ""));
    if (!attribute) {
      return core::fail(std::move(attribute.error()));
    }
    if (element.value("KeyType", "") == "HASH") {
      description.partition_key = std::move(*attribute);
      has_partition_key = true;
    } else {
      description.sort_key = std::move(*attribute);
    }
  }
  if (!has_partition_key) {
    return core::fail(unexpected(operation, "no partition key"));
  }
  return description;
}

}  // namespace detail

core::Result<TableDescription> DynamoDbClient::describe_table(std::string_view table_name,
                                                              core::Deadline deadline) {
  auto response = json_->call("DescribeTable", {{"TableName", table_name}}, deadline);
  if (!response) {
    return core::fail(std::move(response.error()));
  }
  return detail::table_description(response->output, "DescribeTable");
}

}  // namespace dispatcher::adapters::dynamodb
