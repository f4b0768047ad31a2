#include "fixtures.h"

#include <random>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/encoding/base64.h"

namespace dispatcher::bench {
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
      {"data", {{"B", core::encoding::base64_encode(payload)}}},
      {"timestamp", {{"N", std::to_string(1'700'000'000'000LL + version * 1000LL)}}},
      {"eventType", {{"S", version == 0 ? "OrderPlaced" : "OrderLineAdded"}}},
      {"headers",
       {{"M",
         {{"traceparent", {{"S", "00-" + uuid(random) + "-0123456789abcdef-01"}}},
          {"correlationId", {{"S", uuid(random)}}},
          {"causationId", {{"S", uuid(random)}}}}}}},
  };
}

}  // namespace

std::string keys_only_event(int records, int aggregates) {
  json list = json::array();
  for (int index = 0; index < records; ++index) {
    const int aggregate = index % aggregates;
    const int version = (index / aggregates) % 5 == 4 ? -1001 : index / aggregates;
    list.push_back({
        {"eventID", "e" + std::to_string(index)},
        {"eventName", "INSERT"},
        {"eventVersion", "1.1"},
        {"eventSource", "aws:dynamodb"},
        {"awsRegion", "eu-west-1"},
        {"dynamodb",
         {{"ApproximateCreationDateTime", 1700000000},
          {"Keys",
           {{"id", {{"S", "Order:order-" + std::to_string(aggregate)}}},
            {"version", {{"N", std::to_string(version)}}}}},
          {"SequenceNumber", "4421584500000000" + std::to_string(17450439091LL + index)},
          {"SizeBytes", 59},
          {"StreamViewType", "KEYS_ONLY"}}},
        {"eventSourceARN",
         "arn:aws:dynamodb:eu-west-1:123456789012:table/events/stream/2024-01-01T00:00:00.000"},
    });
  }
  return json{{"Records", std::move(list)}}.dump();
}

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

std::vector<core::Status> InstantEventStore::write_markers(
    std::span<const core::dispatch::MarkerWrite> markers, core::Deadline /*deadline*/) {
  return std::vector<core::Status>(markers.size());
}

std::vector<core::Result<core::dispatch::OffsetState>> InstantEventStore::read_offsets(
    std::span<const core::dispatch::AggregateId> ids, core::Deadline /*deadline*/) {
  return std::vector<core::Result<core::dispatch::OffsetState>>(ids.size(),
                                                                core::dispatch::OffsetState{});
}

std::vector<core::Result<core::dispatch::EventPage>> InstantEventStore::read_events(
    std::span<const core::dispatch::EventQuery> queries, core::dispatch::ReadBudget /*budget*/,
    core::Deadline /*deadline*/) {
  std::vector<core::Result<core::dispatch::EventPage>> pages;
  pages.reserve(queries.size());
  for (std::size_t index = 0; index < queries.size(); ++index) {
    pages.emplace_back(core::dispatch::EventPage{.items = page_, .more_available = false});
  }
  return pages;
}

std::vector<core::Result<core::dispatch::CommitOutcome>> InstantEventStore::commit_offsets(
    std::span<const core::dispatch::OffsetCommit> commits, core::Deadline /*deadline*/) {
  return std::vector<core::Result<core::dispatch::CommitOutcome>>(
      commits.size(), core::dispatch::CommitOutcome::kWritten);
}

std::vector<core::dispatch::PublishOutcome> InstantPublisher::publish(
    std::span<const core::dispatch::PublishRun> runs, core::Deadline /*deadline*/) {
  std::vector<core::dispatch::PublishOutcome> outcomes;
  outcomes.reserve(runs.size());
  for (const core::dispatch::PublishRun& run : runs) {
    outcomes.push_back(core::dispatch::PublishOutcome{.delivered = run.messages.size()});
  }
  return outcomes;
}

}  // namespace dispatcher::bench
