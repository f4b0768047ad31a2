// The dispatch core's CPU cost per invocation: parsing a 10,000-record KEYS_ONLY stream event and
// planning it, mapping 10,000 event items to Kafka messages, and a whole Dispatcher::handle over
// in-memory ports that answer instantly (so only the core's own work is measured).

#include <benchmark/benchmark.h>

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/dispatch/dispatch_planner.h"
#include "core/dispatch/dispatcher.h"
#include "core/dispatch/marker_planner.h"
#include "core/dispatch/message_mapper.h"
#include "core/dispatch/stream_event_parser.h"
#include "fixtures.h"

namespace {

namespace dispatch = dispatcher::core::dispatch;
namespace dynamodb = dispatcher::core::dynamodb;

constexpr int kRecords = 10000;
constexpr int kAggregates = 2000;

std::string keys_only_event() { return dispatcher::bench::keys_only_event(kRecords, kAggregates); }

dynamodb::Item event_item(int aggregate, std::int64_t version) {
  const std::string stream_id = "order-" + std::to_string(aggregate);
  return dynamodb::Item{
      {"id", dynamodb::string_value("Order:" + stream_id)},
      {"version", dynamodb::integer_value(version)},
      {"streamType", dynamodb::string_value("Order")},
      {"streamId", dynamodb::string_value(stream_id)},
      {"eventId", dynamodb::string_value("3f1c9b1e-8a3c-4b1e-9c2d-" + std::to_string(version))},
      {"data", dynamodb::binary_value(std::string(200, 'x'))},
      {"timestamp", dynamodb::number_value("1700000123456")},
      {"eventType", dynamodb::string_value("OrderPlaced")},
      {"headers",
       dynamodb::AttributeValue{dynamodb::AttributeMap{
           {"traceparent",
            dynamodb::string_value("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")},
       }}},
  };
}

void BM_ParseAndPlanKeysOnlyEvent(benchmark::State& state) {
  const std::string event = keys_only_event();
  for (auto _ : state) {
    auto batch = dispatch::parse_stream_event(event);
    auto markers = dispatch::plan_markers(batch->records);
    auto dispatches = dispatch::plan_dispatch(batch->records);
    benchmark::DoNotOptimize(markers);
    benchmark::DoNotOptimize(dispatches);
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(event.size()));
}
BENCHMARK(BM_ParseAndPlanKeysOnlyEvent)->Unit(benchmark::kMillisecond);

/// For scale: the share of the above that is nlohmann's DOM parse alone.
void BM_JsonParseOnly(benchmark::State& state) {
  const std::string event = keys_only_event();
  for (auto _ : state) {
    auto json = nlohmann::json::parse(event);
    benchmark::DoNotOptimize(json);
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(event.size()));
}
BENCHMARK(BM_JsonParseOnly)->Unit(benchmark::kMillisecond);

void BM_PlanParsedBatch(benchmark::State& state) {
  const auto batch = dispatch::parse_stream_event(keys_only_event());
  for (auto _ : state) {
    auto markers = dispatch::plan_markers(batch->records);
    auto dispatches = dispatch::plan_dispatch(batch->records);
    benchmark::DoNotOptimize(markers);
    benchmark::DoNotOptimize(dispatches);
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
}
BENCHMARK(BM_PlanParsedBatch)->Unit(benchmark::kMillisecond);

void BM_MapItemsToMessages(benchmark::State& state) {
  std::vector<dynamodb::Item> items;
  items.reserve(kRecords);
  for (int index = 0; index < kRecords; ++index) {
    items.push_back(event_item(index % kAggregates, index / kAggregates));
  }
  const dispatch::MessageMapper mapper(dispatch::MessageMapperOptions{.topic = "orders-out"});
  for (auto _ : state) {
    for (const dynamodb::Item& item : items) {
      auto message = mapper.map(item);
      benchmark::DoNotOptimize(message);
    }
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
}
BENCHMARK(BM_MapItemsToMessages)->Unit(benchmark::kMillisecond);

/// Every aggregate has 10 events after its offset; all writes succeed.
dispatcher::bench::InstantEventStore instant_store() {
  std::vector<dynamodb::Item> page;
  for (std::int64_t version = 0; version < 10; ++version) {
    page.push_back(event_item(0, version));
  }
  return dispatcher::bench::InstantEventStore(std::move(page));
}

/// One invocation: 1,000 marker records, each aggregate with 10 events to publish (10,000
/// messages), plus 1,000 event records that need markers. The ports copy the pages as an adapter's
/// decoding would produce them; the rest is the core.
void BM_DispatcherHandleTenThousandEvents(benchmark::State& state) {
  auto store = instant_store();
  dispatcher::bench::InstantPublisher publisher;
  const dispatcher::core::SystemClock clock;
  dispatch::Dispatcher dispatcher(store, publisher, clock,
                                  dispatch::DispatcherOptions{.topic = "orders-out"});
  dispatch::StreamBatch batch;
  for (int index = 0; index < 1000; ++index) {
    batch.records.push_back(
        dispatch::StreamRecord{.sequence_number = std::to_string(100000 + index),
                               .aggregate_id = "Order:order-" + std::to_string(index),
                               .version = dispatch::kMarkerVersion});
    batch.records.push_back(
        dispatch::StreamRecord{.sequence_number = std::to_string(200000 + index),
                               .aggregate_id = "Order:other-" + std::to_string(index),
                               .version = 0});
  }
  for (auto _ : state) {
    auto report = dispatcher.handle(batch, clock.now() + std::chrono::minutes(5));
    if (report.events_published != 10000) {
      state.SkipWithError("not every event was published");
    }
    benchmark::DoNotOptimize(report);
  }
  state.SetItemsProcessed(state.iterations() * 10000);
}
BENCHMARK(BM_DispatcherHandleTenThousandEvents)->Unit(benchmark::kMillisecond);

}  // namespace
