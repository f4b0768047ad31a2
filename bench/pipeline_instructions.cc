// The instruction-count harness (docs/benchmarks.md, "Instructions per event"): runs one stage of
// the dispatcher's hot path REPEATS times over fixed inputs, so that under callgrind
//   (instructions at REPEATS=3 - instructions at REPEATS=1) / 2 / events
// is the stage's cost per event, free of set-up, input generation and process start. Instruction
// counts are repeatable on a noisy shared machine where wall time is not. bench/instructions.sh
// runs it and prints the table.
//
//   pipeline_instructions parse REPEATS          10,000-record KEYS_ONLY stream event -> batch
//   pipeline_instructions decode REPEATS         1 MiB Query response -> Items
//   pipeline_instructions decode-map REPEATS     ... -> Kafka messages
//   pipeline_instructions decode-map-produce REPEATS  ... -> librdkafka, delivered
//                                                 (needs KAFKA_BOOTSTRAP_SERVERS: a real broker)
//   pipeline_instructions handle REPEATS         Dispatcher::handle, 10,000 events, instant ports
//
// map = decode-map - decode; produce = decode-map-produce - decode-map. Each stage takes the
// previous one's output the way the dispatcher does (moved, not copied), which is why they are
// measured as cumulative pipelines.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/kafka/kafka_publisher.h"
#include "core/clock.h"
#include "core/dispatch/dispatcher.h"
#include "core/dispatch/message_mapper.h"
#include "core/dispatch/stream_event_parser.h"
#include "core/dynamodb/json_text_decoder.h"
#include "fixtures.h"

namespace {

namespace dispatch = dispatcher::core::dispatch;
namespace dynamodb = dispatcher::core::dynamodb;

/// What DynamoDbClient::query does with a page's body: text to Items, with simdjson On-Demand
/// (json_text_decoder.h); a page that is not the clean case (the nlohmann path) is not measured.
/// (Before that decoder, this was nlohmann::json::parse and item_from_json per item: see the git
/// history.)
std::vector<dynamodb::Item> decode_page(const std::string& body) {
  auto output = dynamodb::decode_query_output(body);
  if (!output) {
    throw std::runtime_error("the page is not the clean case");
  }
  return std::move(output->items);
}

std::vector<dispatch::OutgoingMessage> map_items(const dispatch::MessageMapper& mapper,
                                                 std::vector<dynamodb::Item>& items) {
  std::vector<dispatch::OutgoingMessage> messages;
  messages.reserve(items.size());
  std::vector<dispatch::Warning> warnings;
  for (dynamodb::Item& item : items) {
    // As RunPlanner::plan_moving does for the dispatcher: the page's texts move into the message.
    auto message = mapper.map(std::move(item), warnings);
    if (!message) {
      throw std::runtime_error(message.error().describe());
    }
    messages.push_back(std::move(*message));
  }
  return messages;
}

dynamodb::Item instant_item(std::int64_t version) {
  return dynamodb::Item{
      {"id", dynamodb::string_value("Order:order-0")},
      {"version", dynamodb::integer_value(version)},
      {"streamType", dynamodb::string_value("Order")},
      {"streamId", dynamodb::string_value("order-0")},
      {"eventId", dynamodb::string_value("3f1c9b1e-8a3c-4b1e-9c2d-" + std::to_string(version))},
      {"data", dynamodb::binary_value(std::string(200, 'x'))},
      {"timestamp", dynamodb::number_value("1700000123456")},
      {"eventType", dynamodb::string_value("OrderPlaced")},
  };
}

/// Ports that answer at once (as in dispatch_bench): 10 events per aggregate, writes succeed.
dispatcher::bench::InstantEventStore instant_store() {
  std::vector<dynamodb::Item> page;
  for (std::int64_t version = 0; version < 10; ++version) {
    page.push_back(instant_item(version));
  }
  return dispatcher::bench::InstantEventStore(std::move(page));
}

int run_handle(int repeats) {
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
  }
  for (int repeat = 0; repeat < repeats; ++repeat) {
    auto report = dispatcher.handle(batch, clock.now() + std::chrono::minutes(5));
    if (report.events_published != 10000) {
      throw std::runtime_error("not every event was published");
    }
  }
  return 10000;
}

int run(std::string_view stage, int repeats) {
  if (stage == "parse") {
    const std::string event = dispatcher::bench::keys_only_event(10000, 2000);
    for (int repeat = 0; repeat < repeats; ++repeat) {
      auto batch = dispatch::parse_stream_event(event);
      if (!batch || batch->records.size() != 10000) {
        throw std::runtime_error("the stream event did not parse");
      }
    }
    return 10000;
  }
  if (stage == "handle") {
    return run_handle(repeats);
  }
  const std::string& body = dispatcher::bench::one_megabyte_response();
  const dispatch::MessageMapper mapper(
      dispatch::MessageMapperOptions{.topic = "perf-instructions"});
  std::unique_ptr<dispatcher::adapters::kafka::KafkaPublisher> publisher;
  if (stage == "decode-map-produce") {
    const char* bootstrap = std::getenv("KAFKA_BOOTSTRAP_SERVERS");
    if (bootstrap == nullptr) {
      throw std::runtime_error("decode-map-produce needs KAFKA_BOOTSTRAP_SERVERS");
    }
    auto created = dispatcher::adapters::kafka::KafkaPublisher::create(
        dispatcher::adapters::kafka::ProducerSettings{.bootstrap_servers = bootstrap,
                                                      .client_id = "perf-instructions"});
    if (!created) {
      throw std::runtime_error(created.error().describe());
    }
    publisher = std::move(*created);
    // Connect and learn the topic's partitions outside the measured repeats.
    std::vector<dynamodb::Item> items = decode_page(body);
    items.resize(1);
    std::vector<dispatch::PublishRun> runs{{.messages = map_items(mapper, items)}};
    const auto outcomes =
        publisher->publish(runs, dispatcher::core::SystemClock().now() + std::chrono::seconds(60));
    if (outcomes.front().delivered != 1) {
      throw std::runtime_error("the warm-up message was not delivered");
    }
  }
  int events = 0;
  for (int repeat = 0; repeat < repeats; ++repeat) {
    std::vector<dynamodb::Item> items = decode_page(body);
    events = static_cast<int>(items.size());
    if (stage == "decode") {
      continue;
    }
    std::vector<dispatch::PublishRun> runs{{.messages = map_items(mapper, items)}};
    if (stage == "decode-map") {
      continue;
    }
    if (stage != "decode-map-produce") {
      throw std::invalid_argument("unknown stage");
    }
    const auto outcomes =
        publisher->publish(runs, dispatcher::core::SystemClock().now() + std::chrono::seconds(60));
    if (outcomes.front().delivered != runs.front().messages.size()) {
      throw std::runtime_error("not every message was delivered: " +
                               (outcomes.front().error ? outcomes.front().error->describe() : ""));
    }
  }
  return events;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s parse|decode|decode-map|decode-map-produce|handle REPEATS\n",
                 argv[0]);
    return 2;
  }
  try {
    const int events = run(argv[1], std::atoi(argv[2]));
    std::printf("%s events=%d\n", argv[1], events);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "%s: %s\n", argv[1], error.what());
    return 1;
  }
  return 0;
}
