// Query: one page, or every request's pages read together in waves under an item and byte budget.

#include <algorithm>
#include <array>
#include <climits>
#include <stdexcept>
#include <utility>

#include "adapters/dynamodb/dynamodb_client.h"
#include "adapters/dynamodb/wire_format.h"
#include "core/dynamodb/json_codec.h"
#include "core/dynamodb/json_text_decoder.h"

namespace dispatcher::adapters::dynamodb {
namespace {

using core::Error;
using core::dynamodb::item_to_json;
using detail::add_expressions;
using detail::decode_items;
using detail::is_json_object_text;
using detail::optional_item;
using detail::unexpected;
using nlohmann::json;

int page_limit(const QueryRequest& request, std::size_t collected, std::size_t max_items) {
  std::size_t limit =
      request.limit ? static_cast<std::size_t>(std::max(*request.limit, 1)) : std::size_t{INT_MAX};
  if (max_items != kAllItems) {
    limit = std::min(limit, max_items - collected);
  }
  return static_cast<int>(std::min(limit, std::size_t{INT_MAX}));
}

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

}  // namespace dispatcher::adapters::dynamodb
