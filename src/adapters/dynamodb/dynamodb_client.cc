#include "adapters/dynamodb/dynamodb_client.h"

// The client itself and its single-item calls: PutItem, UpdateItem (both conditional when asked)
// and GetItem. Query, the batches and DescribeTable each have their own file.

#include <stdexcept>
#include <utility>

#include "adapters/dynamodb/wire_format.h"
#include "core/dynamodb/json_codec.h"

namespace dispatcher::adapters::dynamodb {
namespace {

using core::dynamodb::item_to_json;
using detail::add_expressions;
using nlohmann::json;

constexpr std::string_view kConditionFailedCode = "ConditionalCheckFailedException";

json put_item_input(const PutItemRequest& request) {
  json input = {{"TableName", request.table_name}, {"Item", item_to_json(request.item)}};
  if (request.condition_expression) {
    input["ConditionExpression"] = *request.condition_expression;
  }
  add_expressions(input, request.expression_attribute_names, request.expression_attribute_values);
  return input;
}

json update_item_input(const UpdateItemRequest& request) {
  json input = {{"TableName", request.table_name},
                {"Key", item_to_json(request.key)},
                {"UpdateExpression", request.update_expression}};
  if (request.condition_expression) {
    input["ConditionExpression"] = *request.condition_expression;
  }
  add_expressions(input, request.expression_attribute_names, request.expression_attribute_values);
  return input;
}

std::vector<core::Result<ConditionOutcome>> condition_outcomes(
    std::vector<core::Result<aws::JsonResponse>> responses) {
  std::vector<core::Result<ConditionOutcome>> outcomes;
  outcomes.reserve(responses.size());
  for (auto& response : responses) {
    if (response.has_value()) {
      outcomes.emplace_back(ConditionOutcome::kApplied);
    } else if (response.error().code == kConditionFailedCode) {
      outcomes.emplace_back(ConditionOutcome::kConditionFailed);
    } else {
      outcomes.emplace_back(core::fail(std::move(response.error())));
    }
  }
  return outcomes;
}

}  // namespace

DynamoDbClient::DynamoDbClient(std::shared_ptr<aws::JsonClient> json, DynamoDbClientOptions options)
    : json_(std::move(json)), options_(options) {
  if (!json_ || json_->service().target_prefix != aws::kDynamoDbService.target_prefix) {
    throw std::invalid_argument("DynamoDbClient needs a JsonClient for aws::kDynamoDbService");
  }
  if (options_.max_batch_rounds < 1) {
    throw std::invalid_argument("DynamoDbClientOptions::max_batch_rounds must be at least 1");
  }
}

// ---- Single-item writes and reads ---------------------------------------------------------------

core::Result<ConditionOutcome> DynamoDbClient::put_item(const PutItemRequest& request,
                                                        core::Deadline deadline) {
  auto outcomes = put_items(std::span<const PutItemRequest>(&request, 1), deadline);
  return std::move(outcomes.front());
}

std::vector<core::Result<ConditionOutcome>> DynamoDbClient::put_items(
    std::span<const PutItemRequest> requests, core::Deadline deadline) {
  std::vector<aws::JsonCall> calls;
  calls.reserve(requests.size());
  for (const auto& request : requests) {
    calls.push_back({.operation = "PutItem", .input = put_item_input(request)});
  }
  return condition_outcomes(json_->call_all(calls, deadline));
}

core::Result<ConditionOutcome> DynamoDbClient::update_item(const UpdateItemRequest& request,
                                                           core::Deadline deadline) {
  auto outcomes = update_items(std::span<const UpdateItemRequest>(&request, 1), deadline);
  return std::move(outcomes.front());
}

std::vector<core::Result<ConditionOutcome>> DynamoDbClient::update_items(
    std::span<const UpdateItemRequest> requests, core::Deadline deadline) {
  std::vector<aws::JsonCall> calls;
  calls.reserve(requests.size());
  for (const auto& request : requests) {
    calls.push_back({.operation = "UpdateItem", .input = update_item_input(request)});
  }
  return condition_outcomes(json_->call_all(calls, deadline));
}

core::Result<std::optional<Item>> DynamoDbClient::get_item(std::string_view table_name,
                                                           const Item& key, bool consistent_read,
                                                           core::Deadline deadline) {
  auto response = json_->call(
      "GetItem",
      {{"TableName", table_name}, {"Key", item_to_json(key)}, {"ConsistentRead", consistent_read}},
      deadline);
  if (!response) {
    return core::fail(std::move(response.error()));
  }
  return detail::optional_item(response->output, "Item", "GetItem");
}

}  // namespace dispatcher::adapters::dynamodb
