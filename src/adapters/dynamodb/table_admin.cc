#include "adapters/dynamodb/table_admin.h"

#include <span>
#include <utility>

#include "adapters/dynamodb/wire_format.h"

namespace dispatcher::adapters::dynamodb {

using nlohmann::json;

core::Result<TableDescription> create_table(DynamoDbClient& client,
                                            const CreateTableRequest& request,
                                            core::Deadline deadline) {
  json definitions = json::array({{{"AttributeName", request.partition_key.name},
                                   {"AttributeType", request.partition_key.type}}});
  json schema = json::array({{{"AttributeName", request.partition_key.name}, {"KeyType", "HASH"}}});
  if (const auto& sort_key = request.sort_key) {
    definitions.push_back({{"AttributeName", sort_key->name}, {"AttributeType", sort_key->type}});
    schema.push_back({{"AttributeName", sort_key->name}, {"KeyType", "RANGE"}});
  }
  json input = {{"TableName", request.table_name},
                {"AttributeDefinitions", std::move(definitions)},
                {"KeySchema", std::move(schema)},
                {"BillingMode", "PAY_PER_REQUEST"}};
  if (request.stream_view_type) {
    input["StreamSpecification"] = {{"StreamEnabled", true},
                                    {"StreamViewType", *request.stream_view_type}};
  }
  auto response = client.json_client().call("CreateTable", input, deadline);
  if (!response) {
    return core::fail(std::move(response.error()));
  }
  return detail::table_description(response->output, "CreateTable");
}

core::Result<TableDescription> wait_for_table_active(DynamoDbClient& client,
                                                     std::string_view table_name,
                                                     core::Deadline deadline,
                                                     std::chrono::milliseconds poll_interval) {
  const aws::JsonClient& calls = client.json_client();
  while (true) {
    auto description = client.describe_table(table_name, deadline);
    if (!description || description->table_status == "ACTIVE") {
      return description;
    }
    if (calls.clock().now() + poll_interval >= deadline) {
      return core::fail(detail::with_service(core::retryable_error(
          "DeadlineExceeded", "table " + std::string(table_name) + " is still " +
                                  description->table_status + " at the deadline")));
    }
    calls.sleep(poll_interval);
  }
}

core::Status delete_table(DynamoDbClient& client, std::string_view table_name,
                          core::Deadline deadline) {
  auto response = client.json_client().call("DeleteTable", {{"TableName", table_name}}, deadline);
  if (!response) {
    return core::fail(std::move(response.error()));
  }
  return {};
}

core::Result<QueryResult> query_all(DynamoDbClient& client, const QueryRequest& request,
                                    std::size_t max_items, core::Deadline deadline) {
  auto results =
      client.query_pages(std::span<const QueryRequest>(&request, 1), max_items, deadline);
  return std::move(results.front());
}

}  // namespace dispatcher::adapters::dynamodb
