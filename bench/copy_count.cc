// How many times a message's value and headers are copied on their way from the decoded Query
// page to librdkafka (docs/benchmarks.md, "Copies"). A counting allocator: this executable
// interposes malloc, so every allocation of the process (libstdc++'s std::string, librdkafka's
// message and header copies alike) is seen. Each event's value is 3,000 bytes and one of its
// headers 1,500 bytes, sizes nothing else in an invocation allocates, so the allocations of those
// sizes during Dispatcher::handle are the copies: a std::string copy allocates its size, a
// librdkafka message with RD_KAFKA_MSG_F_COPY allocates its header plus key plus value, a
// librdkafka header allocates its struct plus name plus value. Moves allocate nothing.
//
// One invocation: 100 marker records, 10 events each (1,000 messages), pages already decoded (the
// event store hands them over by move, as the DynamoDB adapter does), published through the real
// KafkaPublisher to KAFKA_BOOTSTRAP_SERVERS and committed to an instant store.
//
//   KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:19092 build/bench/bench/copy_count

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "adapters/kafka/kafka_publisher.h"
#include "core/clock.h"
#include "core/dispatch/dispatcher.h"

extern "C" {
void* __libc_malloc(std::size_t size);                     // NOLINT(bugprone-reserved-identifier)
void* __libc_calloc(std::size_t count, std::size_t size);  // NOLINT(bugprone-reserved-identifier)
void* __libc_realloc(void* pointer, std::size_t size);     // NOLINT(bugprone-reserved-identifier)
void __libc_free(void* pointer);                           // NOLINT(bugprone-reserved-identifier)
}

namespace {

constexpr std::size_t kValueBytes = 3000;
constexpr std::size_t kHeaderBytes = 1500;
// Room for what an allocation adds to the bytes it holds (librdkafka's message and header
// structs, a terminating zero), well short of the other size.
constexpr std::size_t kValueSlack = 512;
constexpr std::size_t kHeaderSlack = 256;

std::atomic<bool> counting{false};
std::atomic<std::uint64_t> value_allocations{0};
std::atomic<std::uint64_t> header_allocations{0};

void note(std::size_t size) noexcept {
  if (!counting.load(std::memory_order_relaxed)) {
    return;
  }
  if (size >= kValueBytes && size < kValueBytes + kValueSlack) {
    value_allocations.fetch_add(1, std::memory_order_relaxed);
  } else if (size >= kHeaderBytes && size < kHeaderBytes + kHeaderSlack) {
    header_allocations.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace

extern "C" {
void* malloc(std::size_t size) {  // NOLINT(readability-inconsistent-declaration-parameter-name)
  note(size);
  return __libc_malloc(size);
}
void* calloc(std::size_t count, std::size_t size) {
  note(count * size);
  return __libc_calloc(count, size);
}
void* realloc(void* pointer, std::size_t size) {
  note(size);
  return __libc_realloc(pointer, size);
}
void free(void* pointer) { __libc_free(pointer); }
}

namespace {

namespace dispatch = dispatcher::core::dispatch;
namespace dynamodb = dispatcher::core::dynamodb;

constexpr int kAggregates = 100;
constexpr int kEventsPerAggregate = 10;

dynamodb::Item event_item(int aggregate, std::int64_t version) {
  const std::string stream_id = "copy-" + std::to_string(aggregate);
  return dynamodb::Item{
      {"id", dynamodb::string_value("Order:" + stream_id)},
      {"version", dynamodb::integer_value(version)},
      {"streamType", dynamodb::string_value("Order")},
      {"streamId", dynamodb::string_value(stream_id)},
      {"eventId", dynamodb::string_value("3f1c9b1e-8a3c-4b1e-9c2d-" + std::to_string(version))},
      {"data", dynamodb::binary_value(std::string(kValueBytes, 'v'))},
      {"timestamp", dynamodb::number_value("1700000123456")},
      {"eventType", dynamodb::string_value("OrderPlaced")},
      {"headers", dynamodb::AttributeValue{dynamodb::AttributeMap{
                      {"baggage", dynamodb::string_value(std::string(kHeaderBytes, 'h'))},
                      {"traceparent", dynamodb::string_value("00-4bf92f3577b34da6a3ce929d0e0e4736-"
                                                             "00f067aa0ba902b7-01")}}}},
  };
}

/// Hands over pages decoded beforehand, by move (as DynamoDbEventStore does with its decoded
/// Query pages); offsets absent, commits succeed.
class DecodedPageStore final : public dispatch::EventStore {
 public:
  DecodedPageStore() {
    for (int aggregate = 0; aggregate < kAggregates; ++aggregate) {
      auto& items = pages_["Order:copy-" + std::to_string(aggregate)];
      for (std::int64_t version = 0; version < kEventsPerAggregate; ++version) {
        items.push_back(event_item(aggregate, version));
      }
    }
  }
  std::vector<dispatcher::core::Status> write_markers(
      std::span<const dispatch::MarkerWrite> markers, dispatcher::core::Deadline) override {
    return std::vector<dispatcher::core::Status>(markers.size());
  }
  std::vector<dispatcher::core::Result<dispatch::OffsetState>> read_offsets(
      std::span<const dispatch::AggregateId> ids, dispatcher::core::Deadline) override {
    return std::vector<dispatcher::core::Result<dispatch::OffsetState>>(ids.size(),
                                                                        dispatch::OffsetState{});
  }
  std::vector<dispatcher::core::Result<dispatch::EventPage>> read_events(
      std::span<const dispatch::EventQuery> queries, dispatch::ReadBudget,
      dispatcher::core::Deadline) override {
    std::vector<dispatcher::core::Result<dispatch::EventPage>> pages;
    for (const dispatch::EventQuery& query : queries) {
      pages.emplace_back(dispatch::EventPage{.items = std::move(pages_[query.aggregate_id])});
    }
    return pages;
  }
  std::vector<dispatcher::core::Result<dispatch::CommitOutcome>> commit_offsets(
      std::span<const dispatch::OffsetCommit> commits, dispatcher::core::Deadline) override {
    return std::vector<dispatcher::core::Result<dispatch::CommitOutcome>>(
        commits.size(), dispatch::CommitOutcome::kWritten);
  }

 private:
  std::map<std::string, std::vector<dynamodb::Item>> pages_;
};

}  // namespace

int main() {
  const char* bootstrap = std::getenv("KAFKA_BOOTSTRAP_SERVERS");
  if (bootstrap == nullptr) {
    std::fprintf(stderr, "copy_count needs KAFKA_BOOTSTRAP_SERVERS (a real broker)\n");
    return 2;
  }
  auto publisher = dispatcher::adapters::kafka::KafkaPublisher::create(
      dispatcher::adapters::kafka::ProducerSettings{.bootstrap_servers = bootstrap,
                                                    .client_id = "perf-copy-count"});
  if (!publisher) {
    std::fprintf(stderr, "%s\n", publisher.error().describe().c_str());
    return 1;
  }
  const dispatcher::core::SystemClock clock;
  dispatch::DispatcherOptions options{.topic = "perf-copy-count"};
  {
    // Warm up outside the count: connection, topic metadata.
    DecodedPageStore store;
    dispatch::Dispatcher dispatcher(store, **publisher, clock, options);
    dispatch::StreamBatch batch{
        .records = {dispatch::StreamRecord{.sequence_number = "1",
                                           .aggregate_id = "Order:copy-0",
                                           .version = dispatch::kMarkerVersion}}};
    const auto report = dispatcher.handle(batch, clock.now() + std::chrono::seconds(60));
    if (report.events_published != kEventsPerAggregate) {
      std::fprintf(stderr, "warm-up: %zu events published\n", report.events_published);
      return 1;
    }
  }
  DecodedPageStore store;
  dispatch::Dispatcher dispatcher(store, **publisher, clock, options);
  dispatch::StreamBatch batch;
  for (int aggregate = 0; aggregate < kAggregates; ++aggregate) {
    batch.records.push_back(
        dispatch::StreamRecord{.sequence_number = std::to_string(100 + aggregate),
                               .aggregate_id = "Order:copy-" + std::to_string(aggregate),
                               .version = dispatch::kMarkerVersion});
  }
  counting = true;
  const auto report = dispatcher.handle(batch, clock.now() + std::chrono::seconds(60));
  counting = false;
  const auto messages = static_cast<double>(kAggregates * kEventsPerAggregate);
  if (report.events_published != kAggregates * kEventsPerAggregate) {
    std::fprintf(stderr, "%zu of %d events published\n", report.events_published,
                 kAggregates * kEventsPerAggregate);
    return 1;
  }
  std::printf("messages=%.0f value_copies_per_message=%.2f header_copies_per_message=%.2f\n",
              messages, static_cast<double>(value_allocations.load()) / messages,
              static_cast<double>(header_allocations.load()) / messages);
  return 0;
}
