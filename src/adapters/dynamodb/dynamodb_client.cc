#include "adapters/dynamodb/dynamodb_client.h"

#include <algorithm>
#include <array>
#include <climits>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include "core/dynamodb/json_codec.h"
#include "core/dynamodb/json_text_decoder.h"

namespace dispatcher::adapters::dynamodb {
namespace {

using core::Error;
using core::dynamodb::item_from_json;
using core::dynamodb::item_to_json;
using nlohmann::json;

constexpr std::size_t kBatchGetChunk = 100;
constexpr std::size_t kBatchWriteChunk = 25;
constexpr std::string_view kConditionFailedCode = "ConditionalCheckFailedException";

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

std::optional<std::string> optional_string(const json& object, const char* name) {
  const auto found = object.find(name);
  if (found == object.end() || !found->is_string()) {
    return std::nullopt;
  }
  return found->get<std::string>();
}

/// A text identifying a value exactly, in which numbers that DynamoDB may spell differently
/// ("1.0" and "1") are the same. Used to match the entries DynamoDB hands back to the requests.
void append_canonical(std::string& out, const AttributeValue& value) {
  std::string text;
  if (const auto* string = std::get_if<std::string>(&value.value)) {
    text = "S" + *string;
  } else if (const auto* number = std::get_if<core::dynamodb::Number>(&value.value)) {
    const auto integer = core::dynamodb::exact_integer(number->text);
    text = "N" + (integer ? std::to_string(*integer) : number->text);
  } else if (const auto* binary = std::get_if<core::dynamodb::Binary>(&value.value)) {
    text = "B" + binary->bytes;
  } else {
    text = core::dynamodb::to_json(value).dump();
  }
  out += std::to_string(text.size());
  out += ':';
  out += text;
}

std::string canonical_item(const Item& item) {
  std::string out;
  for (const auto& [name, value] : item) {
    out += std::to_string(name.size());
    out += ':';
    out += name;
    append_canonical(out, value);
  }
  return out;
}

/// The attributes of `item` named like the attributes of `key`.
std::string canonical_key_of(const Item& item, const Item& key_shape) {
  Item key;
  for (const auto& [name, unused] : key_shape) {
    const auto found = item.find(name);
    if (found == item.end()) {
      return {};
    }
    key.emplace(name, found->second);
  }
  return canonical_item(key);
}

std::string canonical_write(const WriteRequest& request) {
  if (const auto* put = std::get_if<PutRequest>(&request)) {
    return "P" + canonical_item(put->item);
  }
  return "D" + canonical_item(std::get<DeleteRequest>(request).key);
}

json write_request_json(const WriteRequest& request) {
  if (const auto* put = std::get_if<PutRequest>(&request)) {
    return {{"PutRequest", {{"Item", item_to_json(put->item)}}}};
  }
  return {{"DeleteRequest", {{"Key", item_to_json(std::get<DeleteRequest>(request).key)}}}};
}

/// The canonical text of each unprocessed write DynamoDB returned for `table`; nullopt when the
/// answer cannot be read.
std::optional<std::vector<std::string>> unprocessed_writes(const json& output,
                                                           std::string_view table) {
  std::vector<std::string> texts;
  const auto all = output.find("UnprocessedItems");
  if (all == output.end() || all->is_null()) {
    return texts;
  }
  const auto entries = all->find(std::string(table));
  if (entries == all->end()) {
    return all->is_object() ? std::optional(texts) : std::nullopt;
  }
  if (!entries->is_array()) {
    return std::nullopt;
  }
  for (const auto& entry : *entries) {
    if (const auto put = entry.find("PutRequest"); put != entry.end() && put->contains("Item")) {
      auto item = item_from_json((*put)["Item"]);
      if (!item) {
        return std::nullopt;
      }
      texts.push_back(canonical_write(PutRequest{std::move(*item)}));
    } else if (const auto del = entry.find("DeleteRequest");
               del != entry.end() && del->contains("Key")) {
      auto key = item_from_json((*del)["Key"]);
      if (!key) {
        return std::nullopt;
      }
      texts.push_back(canonical_write(DeleteRequest{std::move(*key)}));
    } else {
      return std::nullopt;
    }
  }
  return texts;
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

int page_limit(const QueryRequest& request, std::size_t collected, std::size_t max_items) {
  std::size_t limit =
      request.limit ? static_cast<std::size_t>(std::max(*request.limit, 1)) : std::size_t{INT_MAX};
  if (max_items != kAllItems) {
    limit = std::min(limit, max_items - collected);
  }
  return static_cast<int>(std::min(limit, std::size_t{INT_MAX}));
}

Error unprocessed_error(std::string_view code, std::string_view operation, int rounds,
                        bool deadline) {
  std::string message = std::string(operation) + ": DynamoDB left this entry unprocessed";
  message += deadline ? " and the deadline came before another round"
                      : " after " + std::to_string(rounds) + " rounds";
  return with_service(core::retryable_error(std::string(code), message));
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

// ---- Query -------------------------------------------------------------------------------------

namespace {

json query_input(const QueryRequest& request, std::optional<int> limit,
                 const std::optional<Item>& start_key) {
  json input = {{"TableName", request.table_name},
                {"KeyConditionExpression", request.key_condition_expression},
                {"ConsistentRead", request.consistent_read},
                {"ScanIndexForward", request.scan_index_forward}};
  if (request.index_name) {
    input["IndexName"] = *request.index_name;
  }
  if (request.filter_expression) {
    input["FilterExpression"] = *request.filter_expression;
  }
  if (request.projection_expression) {
    input["ProjectionExpression"] = *request.projection_expression;
  }
  if (limit) {
    input["Limit"] = *limit;
  }
  if (start_key) {
    input["ExclusiveStartKey"] = item_to_json(*start_key);
  }
  add_expressions(input, request.expression_attribute_names, request.expression_attribute_values);
  return input;
}

core::Result<QueryPage> query_page(const json& output);

/// Whether `body` is a JSON object, by the nlohmann path (for what the simdjson decoder declined).
bool is_json_object_text(const std::string& body) {
  return json::parse(body, nullptr, false).is_object();
}

/// A raw_output Query call whose body check decodes the clean case with simdjson into `decoded`.
aws::JsonCall raw_query_call(json input, std::optional<core::dynamodb::QueryOutput>& decoded) {
  return aws::JsonCall{.operation = "Query",
                       .input = std::move(input),
                       .raw_output = true,
                       .check_raw_body = [&decoded](const std::string& body) {
                         decoded = core::dynamodb::decode_query_output(body);
                         return decoded.has_value() || is_json_object_text(body);
                       }};
}

/// The page of a raw_query_call's response: what the simdjson decoder read, else the nlohmann path
/// and query_page, whose errors are the contract.
core::Result<QueryPage> query_page(const aws::JsonResponse& response,
                                   std::optional<core::dynamodb::QueryOutput>& decoded) {
  if (decoded.has_value()) {
    return QueryPage{.items = std::move(decoded->items),
                     .last_evaluated_key = std::move(decoded->last_evaluated_key)};
  }
  return query_page(json::parse(response.body, nullptr, false));
}

core::Result<QueryPage> query_page(const json& output) {
  const auto items = output.find("Items");
  if (items == output.end()) {
    return core::fail(unexpected("Query", "no Items"));
  }
  auto decoded = decode_items(*items, "Query");
  if (!decoded) {
    return core::fail(std::move(decoded.error()));
  }
  auto last_key = optional_item(output, "LastEvaluatedKey", "Query");
  if (!last_key) {
    return core::fail(std::move(last_key.error()));
  }
  return QueryPage{.items = std::move(*decoded), .last_evaluated_key = std::move(*last_key)};
}

}  // namespace

core::Result<QueryPage> DynamoDbClient::query(const QueryRequest& request,
                                              core::Deadline deadline) {
  std::optional<core::dynamodb::QueryOutput> decoded;
  const std::array<aws::JsonCall, 1> calls{
      raw_query_call(query_input(request, request.limit, request.exclusive_start_key), decoded)};
  auto responses = json_->call_all(calls, deadline);
  if (!responses.front()) {
    return core::fail(std::move(responses.front().error()));
  }
  return query_page(*responses.front(), decoded);
}

std::vector<core::Result<QueryResult>> DynamoDbClient::query_pages(
    std::span<const QueryRequest> requests, std::size_t max_items, core::Deadline deadline) {
  const std::vector<std::size_t> limits(requests.size(), max_items);
  return query_pages(requests, limits, 0, deadline);
}

std::vector<core::Result<QueryResult>> DynamoDbClient::query_pages(
    std::span<const QueryRequest> requests, std::span<const std::size_t> max_items,
    std::size_t max_bytes, core::Deadline deadline) {
  if (max_items.size() != requests.size()) {
    throw std::invalid_argument("query_pages needs one max_items per request");
  }
  // DynamoDB reads at most 1 MB of items per Query call: what one page in flight may add.
  constexpr std::size_t kPageReserve = std::size_t{1} << 20U;
  const bool budgeted = max_bytes > 0;
  const std::size_t share = budgeted ? std::max<std::size_t>(max_bytes / requests.size(), 1) : 0;
  std::vector<QueryResult> results(requests.size());
  std::vector<std::optional<Error>> errors(requests.size());
  std::vector<std::optional<Item>> next_keys(requests.size());
  std::vector<std::size_t> pending;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    next_keys[i] = requests[i].exclusive_start_key;
    if (max_items[i] > 0) {
      pending.push_back(i);
    }
  }
  std::size_t retained = 0;  // bytes of all items read so far

  while (!pending.empty()) {
    // The pages this round can afford; the others wait for a later round or run out of budget.
    std::vector<std::size_t> sending;
    std::vector<std::size_t> waiting;
    std::size_t reserved = 0;
    for (const std::size_t i : pending) {
      const bool affordable = !budgeted || retained + reserved + kPageReserve <= max_bytes ||
                              (retained == 0 && reserved == 0);
      (affordable ? sending : waiting).push_back(i);
      if (affordable) {
        reserved += kPageReserve;
      }
    }
    if (sending.empty()) {
      for (const std::size_t i : waiting) {
        results[i].over_budget = true;
        results[i].last_evaluated_key = std::move(next_keys[i]);
      }
      break;
    }
    std::vector<aws::JsonCall> calls;
    calls.reserve(sending.size());
    std::vector<std::optional<core::dynamodb::QueryOutput>> decoded(sending.size());
    for (std::size_t k = 0; k < sending.size(); ++k) {
      const std::size_t i = sending[k];
      const int limit = page_limit(requests[i], results[i].items.size(), max_items[i]);
      const bool limited = requests[i].limit.has_value() || max_items[i] != kAllItems;
      calls.push_back(raw_query_call(
          query_input(requests[i], limited ? std::optional(limit) : std::nullopt, next_keys[i]),
          decoded[k]));
    }
    auto responses = json_->call_all(calls, deadline);
    std::vector<std::size_t> unfinished = std::move(waiting);
    for (std::size_t k = 0; k < sending.size(); ++k) {
      const std::size_t i = sending[k];
      if (!responses[k]) {
        errors[i] = std::move(responses[k].error());
        continue;
      }
      auto page = query_page(*responses[k], decoded[k]);
      if (!page) {
        errors[i] = std::move(page.error());
        continue;
      }
      QueryResult& result = results[i];
      ++result.pages;
      for (Item& item : page->items) {
        const std::size_t size = core::dynamodb::approximate_size(item);
        result.bytes += size;
        retained += size;
        result.items.push_back(std::move(item));
      }
      if (page->last_evaluated_key && result.items.size() < max_items[i]) {
        if (budgeted && result.bytes >= share) {
          result.over_budget = true;
          result.last_evaluated_key = std::move(page->last_evaluated_key);
        } else {
          next_keys[i] = std::move(page->last_evaluated_key);
          unfinished.push_back(i);
        }
      } else {
        result.last_evaluated_key = std::move(page->last_evaluated_key);
      }
    }
    // Requests already reading go first, so an aggregate's pages stay contiguous in time.
    std::ranges::sort(unfinished, [&](std::size_t left, std::size_t right) {
      const bool left_started = results[left].pages > 0;
      const bool right_started = results[right].pages > 0;
      return left_started != right_started ? left_started : left < right;
    });
    pending = std::move(unfinished);
  }

  std::vector<core::Result<QueryResult>> outcomes;
  outcomes.reserve(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (std::optional<Error>& error = errors[i]) {
      outcomes.emplace_back(core::fail(std::move(*error)));
    } else {
      outcomes.emplace_back(std::move(results[i]));
    }
  }
  return outcomes;
}

core::Result<QueryResult> DynamoDbClient::query_all(const QueryRequest& request,
                                                    std::size_t max_items,
                                                    core::Deadline deadline) {
  auto results = query_pages(std::span<const QueryRequest>(&request, 1), max_items, deadline);
  return std::move(results.front());
}

// ---- BatchGetItem ------------------------------------------------------------------------------

std::vector<core::Result<std::optional<Item>>> DynamoDbClient::batch_get(
    const BatchGetRequest& request, core::Deadline deadline) {
  // Distinct keys only: DynamoDB rejects a batch that names one key twice.
  std::vector<const Item*> unique_keys;
  std::vector<std::size_t> unique_index_of(request.keys.size());
  std::unordered_map<std::string, std::size_t> index_by_text;
  for (std::size_t i = 0; i < request.keys.size(); ++i) {
    const auto [found, inserted] =
        index_by_text.try_emplace(canonical_item(request.keys[i]), unique_keys.size());
    if (inserted) {
      unique_keys.push_back(&request.keys[i]);
    }
    unique_index_of[i] = found->second;
  }

  std::vector<std::optional<core::Result<std::optional<Item>>>> answers(unique_keys.size());
  std::vector<std::size_t> pending(unique_keys.size());
  for (std::size_t u = 0; u < pending.size(); ++u) {
    pending[u] = u;
  }

  for (int round = 1; !pending.empty(); ++round) {
    std::vector<std::vector<std::size_t>> chunks;
    std::vector<aws::JsonCall> calls;
    // What the body check of each chunk's call decoded with simdjson (the clean case).
    std::vector<std::optional<core::dynamodb::BatchGetOutput>> decoded(
        (pending.size() + kBatchGetChunk - 1) / kBatchGetChunk);
    for (std::size_t start = 0; start < pending.size(); start += kBatchGetChunk) {
      const auto end = std::min(start + kBatchGetChunk, pending.size());
      chunks.emplace_back(pending.begin() + static_cast<std::ptrdiff_t>(start),
                          pending.begin() + static_cast<std::ptrdiff_t>(end));
      json keys = json::array();
      for (const std::size_t u : chunks.back()) {
        keys.push_back(item_to_json(*unique_keys[u]));
      }
      json table_request = {{"Keys", std::move(keys)}, {"ConsistentRead", request.consistent_read}};
      if (request.projection_expression) {
        table_request["ProjectionExpression"] = *request.projection_expression;
      }
      add_expressions(table_request, request.expression_attribute_names, {});
      auto& slot = decoded[chunks.size() - 1];
      calls.push_back({.operation = "BatchGetItem",
                       .input = {{"RequestItems", {{request.table_name, table_request}}}},
                       .raw_output = true,
                       .check_raw_body = [&slot, &request](const std::string& body) {
                         slot = core::dynamodb::decode_batch_get_output(body, request.table_name);
                         return slot.has_value() || is_json_object_text(body);
                       }});
    }

    auto responses = json_->call_all(calls, deadline);
    std::vector<std::size_t> leftover;
    for (std::size_t c = 0; c < chunks.size(); ++c) {
      const auto& chunk = chunks[c];
      if (!responses[c]) {
        for (const std::size_t u : chunk) {
          answers[u] = core::fail(responses[c].error());
        }
        continue;
      }
      std::unordered_map<std::string, std::size_t> chunk_index;
      for (const std::size_t u : chunk) {
        chunk_index.emplace(canonical_item(*unique_keys[u]), u);
      }
      // Every key of one table has the same attribute names.
      const Item& key_shape = *unique_keys[chunk.front()];

      std::optional<Error> chunk_error;
      bool unmatched = false;
      std::vector<std::size_t> unprocessed;
      const auto accept_items = [&](std::vector<Item>& items) {
        for (auto& item : items) {
          const auto found = chunk_index.find(canonical_key_of(item, key_shape));
          if (found != chunk_index.end()) {
            answers[found->second] = std::optional<Item>(std::move(item));
          }
        }
      };
      const auto accept_unprocessed = [&](const std::vector<Item>& keys) {
        for (const auto& key : keys) {
          const auto found = chunk_index.find(canonical_item(key));
          if (found == chunk_index.end()) {
            unmatched = true;
          } else {
            unprocessed.push_back(found->second);
          }
        }
      };
      if (decoded[c].has_value()) {
        accept_items(decoded[c]->responses);
        accept_unprocessed(decoded[c]->unprocessed_keys);
      } else {
        // Not the clean case: nlohmann names what is wrong (the body check made sure the body is
        // an object).
        const json output = json::parse(responses[c]->body, nullptr, false);
        if (const auto tables = output.find("Responses"); tables != output.end()) {
          if (const auto items = tables->find(request.table_name); items != tables->end()) {
            auto found = decode_items(*items, "BatchGetItem");
            if (!found) {
              chunk_error = std::move(found.error());
            } else {
              accept_items(*found);
            }
          }
        }
        if (const auto all = output.find("UnprocessedKeys"); all != output.end()) {
          if (const auto table = all->find(request.table_name);
              table != all->end() && table->contains("Keys")) {
            auto keys = decode_items((*table)["Keys"], "BatchGetItem");
            if (!keys) {
              unmatched = true;
            } else {
              accept_unprocessed(*keys);
            }
          }
        }
      }
      for (const std::size_t u : chunk) {
        if (chunk_error) {
          answers[u] = core::fail(*chunk_error);
        } else if (answers[u].has_value()) {
          continue;
        } else if (unmatched || std::ranges::find(unprocessed, u) != unprocessed.end()) {
          // An unprocessed key that matches none we sent: ask again for every key not answered,
          // rather than report a key as missing that DynamoDB never looked up.
          leftover.push_back(u);
        } else {
          answers[u] = std::optional<Item>();
        }
      }
    }

    if (!leftover.empty()) {
      const auto delay = json_->retry_policy().backoff(round, true);
      const bool out_of_rounds = round >= options_.max_batch_rounds;
      const bool out_of_time = json_->clock().now() + delay >= deadline;
      if (out_of_rounds || out_of_time) {
        for (const std::size_t u : leftover) {
          answers[u] = core::fail(
              unprocessed_error("UnprocessedKeys", "BatchGetItem", round, !out_of_rounds));
        }
        leftover.clear();
      } else {
        json_->sleep(delay);
      }
    }
    pending = std::move(leftover);
  }

  std::vector<core::Result<std::optional<Item>>> results;
  results.reserve(request.keys.size());
  for (std::size_t i = 0; i < request.keys.size(); ++i) {
    // NOLINTNEXTLINE(bugprone-unchecked-optional-access): pending is empty: every key answered
    results.push_back(*answers[unique_index_of[i]]);
  }
  return results;
}

// ---- BatchWriteItem ----------------------------------------------------------------------------

std::vector<core::Status> DynamoDbClient::batch_write(std::string_view table_name,
                                                      std::span<const WriteRequest> requests,
                                                      core::Deadline deadline) {
  const std::string table(table_name);
  std::vector<std::optional<core::Status>> outcomes(requests.size());
  std::vector<std::size_t> pending(requests.size());
  for (std::size_t i = 0; i < pending.size(); ++i) {
    pending[i] = i;
  }

  for (int round = 1; !pending.empty(); ++round) {
    std::vector<std::vector<std::size_t>> chunks;
    std::vector<aws::JsonCall> calls;
    for (std::size_t start = 0; start < pending.size(); start += kBatchWriteChunk) {
      const auto end = std::min(start + kBatchWriteChunk, pending.size());
      chunks.emplace_back(pending.begin() + static_cast<std::ptrdiff_t>(start),
                          pending.begin() + static_cast<std::ptrdiff_t>(end));
      json writes = json::array();
      for (const std::size_t i : chunks.back()) {
        writes.push_back(write_request_json(requests[i]));
      }
      calls.push_back({.operation = "BatchWriteItem",
                       .input = {{"RequestItems", {{table, std::move(writes)}}}}});
    }

    auto responses = json_->call_all(calls, deadline);
    std::vector<std::size_t> leftover;
    for (std::size_t c = 0; c < chunks.size(); ++c) {
      const auto& chunk = chunks[c];
      if (!responses[c]) {
        for (const std::size_t i : chunk) {
          outcomes[i] = core::fail(responses[c].error());
        }
        continue;
      }
      const auto unprocessed = unprocessed_writes(responses[c]->output, table);
      std::unordered_multimap<std::string, std::size_t> chunk_index;
      for (const std::size_t i : chunk) {
        chunk_index.emplace(canonical_write(requests[i]), i);
      }
      std::vector<std::size_t> not_written;
      bool unmatched = !unprocessed.has_value();
      if (unprocessed) {
        for (const auto& text : *unprocessed) {
          const auto found = chunk_index.find(text);
          if (found == chunk_index.end()) {
            unmatched = true;
          } else {
            not_written.push_back(found->second);
            chunk_index.erase(found);
          }
        }
      }
      for (const std::size_t i : chunk) {
        // An unprocessed entry we cannot match to a request: write the whole chunk again (puts
        // and deletes are idempotent) rather than report an item written that was not.
        if (unmatched || std::ranges::find(not_written, i) != not_written.end()) {
          leftover.push_back(i);
        } else {
          outcomes[i] = core::Status();
        }
      }
    }

    if (!leftover.empty()) {
      const auto delay = json_->retry_policy().backoff(round, true);
      const bool out_of_rounds = round >= options_.max_batch_rounds;
      const bool out_of_time = json_->clock().now() + delay >= deadline;
      if (out_of_rounds || out_of_time) {
        for (const std::size_t i : leftover) {
          outcomes[i] = core::fail(
              unprocessed_error("UnprocessedItems", "BatchWriteItem", round, !out_of_rounds));
        }
        leftover.clear();
      } else {
        json_->sleep(delay);
      }
    }
    pending = std::move(leftover);
  }

  std::vector<core::Status> statuses;
  statuses.reserve(outcomes.size());
  for (auto& outcome : outcomes) {
    // NOLINTNEXTLINE(bugprone-unchecked-optional-access): pending is empty: every write settled
    statuses.push_back(std::move(*outcome));
  }
  return statuses;
}

// ---- Single-item writes and reads
// ----------------------------------------------------------------

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
  return optional_item(response->output, "Item", "GetItem");
}

// ---- Tables ------------------------------------------------------------------------------------

core::Result<TableDescription> DynamoDbClient::describe_table(std::string_view table_name,
                                                              core::Deadline deadline) {
  auto response = json_->call("DescribeTable", {{"TableName", table_name}}, deadline);
  if (!response) {
    return core::fail(std::move(response.error()));
  }
  return table_description(response->output, "DescribeTable");
}

core::Result<TableDescription> DynamoDbClient::create_table(const CreateTableRequest& request,
                                                            core::Deadline deadline) {
  json definitions = json::array({{{"AttributeName", request.partition_key.name},
                                   {"AttributeType", request.partition_key.type}}});
  json schema = json::array({{{"AttributeName", request.partition_key.name}, {"KeyType", "HASH"}}});
  if (request.sort_key) {
    definitions.push_back(
        {{"AttributeName", request.sort_key->name}, {"AttributeType", request.sort_key->type}});
    schema.push_back({{"AttributeName", request.sort_key->name}, {"KeyType", "RANGE"}});
  }
  json input = {{"TableName", request.table_name},
                {"AttributeDefinitions", std::move(definitions)},
                {"KeySchema", std::move(schema)},
                {"BillingMode", "PAY_PER_REQUEST"}};
  if (request.stream_view_type) {
    input["StreamSpecification"] = {{"StreamEnabled", true},
                                    {"StreamViewType", *request.stream_view_type}};
  }
  auto response = json_->call("CreateTable", input, deadline);
  if (!response) {
    return core::fail(std::move(response.error()));
  }
  return table_description(response->output, "CreateTable");
}

core::Result<TableDescription> DynamoDbClient::wait_for_table_active(std::string_view table_name,
                                                                     core::Deadline deadline) {
  while (true) {
    auto description = describe_table(table_name, deadline);
    if (!description || description->table_status == "ACTIVE") {
      return description;
    }
    if (json_->clock().now() + options_.table_poll_interval >= deadline) {
      return core::fail(with_service(core::retryable_error(
          "DeadlineExceeded", "table " + std::string(table_name) + " is still " +
                                  description->table_status + " at the deadline")));
    }
    json_->sleep(options_.table_poll_interval);
  }
}

core::Status DynamoDbClient::delete_table(std::string_view table_name, core::Deadline deadline) {
  auto response = json_->call("DeleteTable", {{"TableName", table_name}}, deadline);
  if (!response) {
    return core::fail(std::move(response.error()));
  }
  return {};
}

}  // namespace dispatcher::adapters::dynamodb
