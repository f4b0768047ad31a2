// BatchGetItem: distinct keys in chunks of 100, through the shared batch rounds.

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <utility>

#include "adapters/dynamodb/batch_rounds.h"
#include "adapters/dynamodb/canonical_key.h"
#include "adapters/dynamodb/dynamodb_client.h"
#include "adapters/dynamodb/wire_format.h"
#include "core/dynamodb/json_codec.h"
#include "core/dynamodb/json_text_decoder.h"

namespace dispatcher::adapters::dynamodb {
namespace {

using core::dynamodb::item_to_json;
using detail::canonical_item;
using detail::canonical_key_of;
using nlohmann::json;

constexpr std::size_t kBatchGetChunk = 100;

}  // namespace

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

  // A key the rounds do not settle otherwise has no item.
  std::vector<core::Result<std::optional<Item>>> answers(unique_keys.size(), std::optional<Item>());
  // What the body check of each chunk's call decoded with simdjson (the clean case).
  std::vector<std::optional<core::dynamodb::BatchGetOutput>> decoded;
  // Keys with an item: a key answered is never sent again.
  std::vector<bool> answered(unique_keys.size(), false);

  const auto make_calls = [&](const detail::BatchChunks& chunks) {
    decoded.assign(chunks.size(), std::nullopt);  // sized first: the body checks point into it
    std::vector<aws::JsonCall> calls;
    calls.reserve(chunks.size());
    for (std::size_t c = 0; c < chunks.size(); ++c) {
      json keys = json::array();
      for (const std::size_t u : chunks[c]) {
        keys.push_back(item_to_json(*unique_keys[u]));
      }
      json table_request = {{"Keys", std::move(keys)}, {"ConsistentRead", request.consistent_read}};
      if (request.projection_expression) {
        table_request["ProjectionExpression"] = *request.projection_expression;
      }
      detail::add_expressions(table_request, request.expression_attribute_names, {});
      auto& slot = decoded[c];
      calls.push_back({.operation = "BatchGetItem",
                       .input = {{"RequestItems", {{request.table_name, table_request}}}},
                       .raw_output = true,
                       .check_raw_body = [&slot, &request](const std::string& body) {
                         slot = core::dynamodb::decode_batch_get_output(body, request.table_name);
                         return slot.has_value() || detail::is_json_object_text(body);
                       }});
    }
    return calls;
  };

  const auto settle_chunk = [&](std::size_t c, std::span<const std::size_t> chunk,
                                const aws::JsonResponse& response,
                                std::vector<std::size_t>& again) {
    std::unordered_map<std::string, std::size_t> chunk_index;
    for (const std::size_t u : chunk) {
      chunk_index.emplace(canonical_item(*unique_keys[u]), u);
    }
    // Every key of one table has the same attribute names.
    const Item& key_shape = *unique_keys[chunk.front()];

    std::optional<core::Error> chunk_error;
    bool unmatched = false;
    std::vector<std::size_t> unprocessed;
    const auto accept_items = [&](std::vector<Item>& items) {
      for (auto& item : items) {
        const auto found = chunk_index.find(canonical_key_of(item, key_shape));
        if (found != chunk_index.end()) {
          answers[found->second] = std::optional<Item>(std::move(item));
          answered[found->second] = true;
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
    if (auto& clean = decoded[c]; clean.has_value()) {
      std::vector<Item>& items = clean->responses;
      const std::vector<Item>& unprocessed_keys = clean->unprocessed_keys;
      accept_items(items);
      accept_unprocessed(unprocessed_keys);
    } else {
      // Not the clean case: nlohmann names what is wrong (the body check made sure the body is
      // an object).
      const json output = json::parse(response.body, nullptr, false);
      if (const auto tables = output.find("Responses"); tables != output.end()) {
        if (const auto items = tables->find(request.table_name); items != tables->end()) {
          auto found = detail::decode_items(*items, "BatchGetItem");
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
          auto keys = detail::decode_items((*table)["Keys"], "BatchGetItem");
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
      } else if (answered[u]) {
        continue;
      } else if (unmatched || std::ranges::find(unprocessed, u) != unprocessed.end()) {
        // An unprocessed key that matches none we sent: ask again for every key not answered,
        // rather than report a key as missing that DynamoDB never looked up.
        again.push_back(u);
      }
    }
  };

  detail::run_batch_rounds(
      *json_,
      {.operation = "BatchGetItem",
       .unprocessed_code = "UnprocessedKeys",
       .chunk_size = kBatchGetChunk,
       .max_rounds = options_.max_batch_rounds},
      unique_keys.size(), deadline, make_calls, settle_chunk,
      [&](std::size_t u, const core::Error& error) { answers[u] = core::fail(error); });

  std::vector<core::Result<std::optional<Item>>> results;
  results.reserve(request.keys.size());
  for (std::size_t i = 0; i < request.keys.size(); ++i) {
    results.push_back(answers[unique_index_of[i]]);
  }
  return results;
}

}  // namespace dispatcher::adapters::dynamodb
