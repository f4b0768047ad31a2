// Decoding a ~1 MB DynamoDB Query response of realistic event items into Items.
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "core/dynamodb/json_codec.h"
#include "core/dynamodb/json_text_decoder.h"
#include "core/encoding/base64.h"

namespace {

using nlohmann::json;

std::string uuid(std::mt19937_64& random) {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string text;
  for (int index = 0; index < 36; ++index) {
    text.push_back(index == 8 || index == 13 || index == 18 || index == 23
                       ? '-'
                       : kHex[random() % kHex.size()]);
  }
  return text;
}

/// One event item as the events table stores it (seed schema), with a ~300-byte JSON payload.
json event_item(std::mt19937_64& random, const std::string& stream_id, int version) {
  std::string payload = R"({"orderId":")" + stream_id + R"(","lines":[)";
  for (int line = 0; line < 3; ++line) {
    payload += R"({"sku":"SKU-)" + std::to_string(random() % 100000) + R"(","quantity":)" +
               std::to_string(random() % 9 + 1) + R"(,"price":")" +
               std::to_string(random() % 10000) + R"(.99"},)";
  }
  payload.back() = ']';
  payload += R"(,"currency":"EUR","customer":")" + uuid(random) + R"("})";
  return {
      {"id", {{"S", "Order:" + stream_id}}},
      {"version", {{"N", std::to_string(version)}}},
      {"streamType", {{"S", "Order"}}},
      {"streamId", {{"S", stream_id}}},
      {"eventId", {{"S", uuid(random)}}},
      {"data", {{"B", dispatcher::core::encoding::base64_encode(payload)}}},
      {"timestamp", {{"N", std::to_string(1'700'000'000'000LL + version * 1000LL)}}},
      {"eventType", {{"S", version == 0 ? "OrderPlaced" : "OrderLineAdded"}}},
      {"headers",
       {{"M",
         {{"traceparent", {{"S", "00-" + uuid(random) + "-0123456789abcdef-01"}}},
          {"correlationId", {{"S", uuid(random)}}},
          {"causationId", {{"S", uuid(random)}}}}}}},
  };
}

/// A Query response body of at least `target_bytes`.
std::string query_response(std::size_t target_bytes) {
  std::mt19937_64 random(42);
  json items = json::array();
  std::size_t size = 0;
  const std::string stream_id = uuid(random);
  int version = 0;
  while (size < target_bytes) {
    json item = event_item(random, stream_id, version++);
    size += item.dump().size() + 1;
    items.push_back(std::move(item));
  }
  const json last_key = {{"id", items.back()["id"]}, {"version", items.back()["version"]}};
  return json{{"Count", items.size()},
              {"ScannedCount", items.size()},
              {"Items", std::move(items)},
              {"LastEvaluatedKey", last_key}}
      .dump();
}

const std::string& one_megabyte_response() {
  static const std::string body = query_response(std::size_t{1} << 20U);
  return body;
}

/// Text to Items: what the DynamoDB adapter does with each Query page.
void BM_DecodeQueryResponse(benchmark::State& state) {
  const std::string& body = one_megabyte_response();
  std::size_t items = 0;
  for (auto _ : state) {
    const json document = json::parse(body);
    std::vector<dispatcher::core::dynamodb::Item> decoded;
    decoded.reserve(document["Items"].size());
    for (const json& item : document["Items"]) {
      auto result = dispatcher::core::dynamodb::item_from_json(item);
      if (!result) {
        state.SkipWithError(result.error().message.c_str());
        return;
      }
      decoded.push_back(std::move(*result));
    }
    items = decoded.size();
    benchmark::DoNotOptimize(decoded);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(items));
  state.counters["items_per_page"] = static_cast<double>(items);
  state.counters["page_bytes"] = static_cast<double>(body.size());
}
BENCHMARK(BM_DecodeQueryResponse)->Unit(benchmark::kMillisecond);

/// What the DynamoDB adapter does with each Query page now: simdjson On-Demand straight into Items
/// (core/dynamodb/json_text_decoder.h). The benchmark above is the nlohmann path it falls back to.
void BM_DecodeQueryResponseOnDemand(benchmark::State& state) {
  const std::string& body = one_megabyte_response();
  std::size_t items = 0;
  for (auto _ : state) {
    auto output = dispatcher::core::dynamodb::decode_query_output(body);
    if (!output) {
      state.SkipWithError("the page was not decoded");
      return;
    }
    items = output->items.size();
    benchmark::DoNotOptimize(output);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(items));
}
BENCHMARK(BM_DecodeQueryResponseOnDemand)->Unit(benchmark::kMillisecond);

/// The codec alone, from already parsed JSON (the share of the work that is ours).
void BM_ItemsFromParsedJson(benchmark::State& state) {
  const json document = json::parse(one_megabyte_response());
  const json& items = document["Items"];
  for (auto _ : state) {
    for (const json& item : items) {
      auto result = dispatcher::core::dynamodb::item_from_json(item);
      benchmark::DoNotOptimize(result);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(items.size()));
}
BENCHMARK(BM_ItemsFromParsedJson)->Unit(benchmark::kMillisecond);

/// Items back to JSON text (what PutItem/BatchWriteItem bodies cost).
void BM_EncodeItems(benchmark::State& state) {
  const json document = json::parse(one_megabyte_response());
  std::vector<dispatcher::core::dynamodb::Item> decoded;
  for (const json& item : document["Items"]) {
    decoded.push_back(*dispatcher::core::dynamodb::item_from_json(item));
  }
  for (auto _ : state) {
    json out = json::array();
    for (const auto& item : decoded) {
      out.push_back(dispatcher::core::dynamodb::item_to_json(item));
    }
    std::string text = out.dump();
    benchmark::DoNotOptimize(text);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(decoded.size()));
}
BENCHMARK(BM_EncodeItems)->Unit(benchmark::kMillisecond);

}  // namespace
