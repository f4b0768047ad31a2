// Decoding a ~1 MB DynamoDB Query response of realistic event items into Items.
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "core/dynamodb/json_codec.h"
#include "core/dynamodb/json_text_decoder.h"
#include "core/encoding/base64.h"
#include "fixtures.h"

namespace {

using nlohmann::json;

using dispatcher::bench::one_megabyte_response;

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
