#include "adapters/event_store/dynamodb_event_store.h"

#include <utility>

#include "core/dynamodb/attribute_value.h"

namespace dispatcher::adapters::event_store {
namespace {

using core::dynamodb::AttributeValue;
using core::dynamodb::Item;
using core::dynamodb::Number;

AttributeValue string_value(std::string text) { return AttributeValue{std::move(text)}; }

AttributeValue number_value(std::int64_t number) {
  return AttributeValue{Number{std::to_string(number)}};
}

Item aggregate_key(const core::dispatch::AggregateId& aggregate_id) {
  return Item{{"id", string_value(aggregate_id)}};
}

}  // namespace

DynamoDbEventStore::DynamoDbEventStore(std::shared_ptr<dynamodb::DynamoDbClient> client,
                                       EventStoreTables tables,
                                       std::shared_ptr<const core::Clock> clock)
    : client_(std::move(client)), tables_(std::move(tables)), clock_(std::move(clock)) {}

std::vector<core::Status> DynamoDbEventStore::write_markers(
    std::span<const core::dispatch::MarkerWrite> markers, core::Deadline deadline) {
  std::vector<dynamodb::WriteRequest> requests;
  requests.reserve(markers.size());
  for (const auto& marker : markers) {
    requests.emplace_back(
        dynamodb::PutRequest{.item = Item{{"id", string_value(marker.aggregate_id)},
                                          {"version", number_value(core::dispatch::kMarkerVersion)},
                                          {"trigger", string_value(marker.trigger)}}});
  }
  return client_->batch_write(tables_.events_table, requests, deadline);
}

std::vector<core::Result<std::optional<std::int64_t>>> DynamoDbEventStore::read_offsets(
    std::span<const core::dispatch::AggregateId> aggregate_ids, core::Deadline deadline) {
  dynamodb::BatchGetRequest request{.table_name = tables_.offsets_table, .consistent_read = true};
  request.keys.reserve(aggregate_ids.size());
  for (const auto& aggregate_id : aggregate_ids) {
    request.keys.push_back(aggregate_key(aggregate_id));
  }
  auto answers = client_->batch_get(request, deadline);
  std::vector<core::Result<std::optional<std::int64_t>>> offsets;
  offsets.reserve(answers.size());
  for (std::size_t i = 0; i < answers.size(); ++i) {
    auto& answer = answers[i];
    if (!answer) {
      offsets.emplace_back(core::fail(std::move(answer.error())));
      continue;
    }
    if (!answer->has_value()) {
      offsets.emplace_back(std::optional<std::int64_t>{});
      continue;
    }
    const auto version = core::dynamodb::integer_attribute(**answer, "version");
    if (!version) {
      core::Error error = core::permanent_error(
          "InvalidOffsetItem", "offset item of aggregate '" + aggregate_ids[i] + "' in table " +
                                   tables_.offsets_table + " has no integer 'version'");
      error.service = "dynamodb";
      offsets.emplace_back(core::fail(std::move(error)));
      continue;
    }
    offsets.emplace_back(std::optional<std::int64_t>{*version});
  }
  return offsets;
}

std::vector<core::Result<core::dispatch::EventPage>> DynamoDbEventStore::read_events(
    std::span<const core::dispatch::EventQuery> queries, core::Deadline deadline) {
  std::vector<dynamodb::QueryRequest> requests;
  requests.reserve(queries.size());
  std::vector<std::size_t> max_items;
  max_items.reserve(queries.size());
  for (const auto& query : queries) {
    requests.push_back(dynamodb::QueryRequest{
        .table_name = tables_.events_table,
        .key_condition_expression = "#id = :id AND #version > :after",
        .expression_attribute_names = {{"#id", "id"}, {"#version", "version"}},
        .expression_attribute_values = {{":id", string_value(query.aggregate_id)},
                                        {":after", number_value(query.after_version)}},
        .consistent_read = true,
        .scan_index_forward = true,
    });
    max_items.push_back(query.max_events);
  }
  auto results = client_->query_pages(requests, max_items, deadline);
  std::vector<core::Result<core::dispatch::EventPage>> pages;
  pages.reserve(results.size());
  for (auto& result : results) {
    if (!result) {
      pages.emplace_back(core::fail(std::move(result.error())));
      continue;
    }
    pages.emplace_back(core::dispatch::EventPage{.items = std::move(result->items),
                                                 .more_available = result->more_available()});
  }
  return pages;
}

std::vector<core::Status> DynamoDbEventStore::commit_offsets(
    std::span<const core::dispatch::OffsetCommit> commits, core::Deadline deadline) {
  const auto now_milliseconds =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_->wall_now().time_since_epoch())
          .count();
  std::vector<dynamodb::UpdateItemRequest> requests;
  requests.reserve(commits.size());
  for (const auto& commit : commits) {
    requests.push_back(dynamodb::UpdateItemRequest{
        .table_name = tables_.offsets_table,
        .key = aggregate_key(commit.aggregate_id),
        .update_expression = "SET #version = :version, #dispatched_at = :now",
        .condition_expression = "attribute_not_exists(#version) OR #version < :version",
        .expression_attribute_names = {{"#version", "version"},
                                       {"#dispatched_at", "dispatched_at"}},
        .expression_attribute_values = {{":version", number_value(commit.version)},
                                        {":now", number_value(now_milliseconds)}},
    });
  }
  auto outcomes = client_->update_items(requests, deadline);
  std::vector<core::Status> statuses;
  statuses.reserve(outcomes.size());
  for (auto& outcome : outcomes) {
    if (!outcome) {
      statuses.emplace_back(core::fail(std::move(outcome.error())));
    } else {
      // kConditionFailed: an equal or newer offset is stored; offsets never move back.
      statuses.emplace_back();
    }
  }
  return statuses;
}

}  // namespace dispatcher::adapters::event_store
