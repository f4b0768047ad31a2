// BatchWriteItem: puts and deletes in chunks of 25, through the shared batch rounds.

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <utility>

#include "adapters/dynamodb/batch_rounds.h"
#include "adapters/dynamodb/canonical_key.h"
#include "adapters/dynamodb/dynamodb_client.h"
#include "core/dynamodb/json_codec.h"

namespace dispatcher::adapters::dynamodb {
namespace {

using core::dynamodb::item_from_json;
using core::dynamodb::item_to_json;
using detail::canonical_item;
using nlohmann::json;

constexpr std::size_t kBatchWriteChunk = 25;

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

}  // namespace

std::vector<core::Status> DynamoDbClient::batch_write(std::string_view table_name,
                                                      std::span<const WriteRequest> requests,
                                                      core::Deadline deadline) {
  const std::string table(table_name);
  // A write the rounds do not fail was written.
  std::vector<core::Status> statuses(requests.size());

  const auto make_calls = [&](const detail::BatchChunks& chunks) {
    std::vector<aws::JsonCall> calls;
    calls.reserve(chunks.size());
    for (const auto& chunk : chunks) {
      json writes = json::array();
      for (const std::size_t i : chunk) {
        writes.push_back(write_request_json(requests[i]));
      }
      calls.push_back({.operation = "BatchWriteItem",
                       .input = {{"RequestItems", {{table, std::move(writes)}}}}});
    }
    return calls;
  };

  const auto settle_chunk = [&](std::size_t /*chunk_number*/, std::span<const std::size_t> chunk,
                                const aws::JsonResponse& response,
                                std::vector<std::size_t>& again) {
    const auto unprocessed = unprocessed_writes(response.output, table);
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
        again.push_back(i);
      }
    }
  };

  detail::run_batch_rounds(
      *json_,
      {.operation = "BatchWriteItem",
       .unprocessed_code = "UnprocessedItems",
       .chunk_size = kBatchWriteChunk,
       .max_rounds = options_.max_batch_rounds},
      requests.size(), deadline, make_calls, settle_chunk,
      [&](std::size_t i, const core::Error& error) { statuses[i] = core::fail(error); });
  return statuses;
}

}  // namespace dispatcher::adapters::dynamodb
