#include "adapters/event_store/dynamodb_event_store.h"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

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

std::vector<core::Result<core::dispatch::OffsetState>> DynamoDbEventStore::read_offsets(
    std::span<const core::dispatch::AggregateId> aggregate_ids, core::Deadline deadline) {
  dynamodb::BatchGetRequest request{.table_name = tables_.offsets_table, .consistent_read = true};
  request.keys.reserve(aggregate_ids.size());
  for (const auto& aggregate_id : aggregate_ids) {
    request.keys.push_back(aggregate_key(aggregate_id));
  }
  auto answers = client_->batch_get(request, deadline);
  std::vector<core::Result<core::dispatch::OffsetState>> offsets;
  offsets.reserve(answers.size());
  for (std::size_t i = 0; i < answers.size(); ++i) {
    auto& answer = answers[i];
    if (!answer) {
      offsets.emplace_back(core::fail(std::move(answer.error())));
      continue;
    }
    const auto& item = *answer;
    if (!item) {
      offsets.emplace_back(core::dispatch::OffsetState{});
      continue;
    }
    auto state = core::dispatch::parse_offset_item(*item);
    if (!state) {
      core::Error error = std::move(state.error());
      error.message = "aggregate '" + aggregate_ids[i] + "' in table " + tables_.offsets_table +
                      ": " + error.message;
      error.service = "dynamodb";
      offsets.emplace_back(core::fail(std::move(error)));
      continue;
    }
    offsets.emplace_back(std::move(*state));
  }
  return offsets;
}

std::vector<core::Result<core::dispatch::EventPage>> DynamoDbEventStore::read_events(
    std::span<const core::dispatch::EventQuery> queries, core::dispatch::ReadBudget budget,
    core::Deadline deadline) {
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
  auto results = client_->query_pages(requests, max_items, budget.max_bytes, deadline);
  std::vector<core::Result<core::dispatch::EventPage>> pages;
  pages.reserve(results.size());
  for (auto& result : results) {
    if (!result) {
      pages.emplace_back(core::fail(std::move(result.error())));
      continue;
    }
    pages.emplace_back(core::dispatch::EventPage{.items = std::move(result->items),
                                                 .more_available = result->more_available(),
                                                 .over_budget = result->over_budget,
                                                 .bytes = result->bytes});
  }
  return pages;
}

namespace {

namespace attribute = core::dispatch::offset_attribute;

/// The UpdateItem of one OffsetCommit (see DynamoDbEventStore::commit_offsets).
dynamodb::UpdateItemRequest offset_update(const std::string& table,
                                          const core::dispatch::OffsetCommit& commit,
                                          std::int64_t now_milliseconds) {
  dynamodb::UpdateItemRequest request{.table_name = table,
                                      .key = aggregate_key(commit.aggregate_id)};
  for (const auto& [placeholder, name] : core::dispatch::offset_expression::kNames) {
    request.expression_attribute_names.emplace(placeholder, name);
  }
  auto& values = request.expression_attribute_values;
  std::vector<std::string> sets;
  if (commit.version.has_value()) {
    request.expression_attribute_names.emplace("#dispatched_at",
                                               std::string(attribute::kDispatchedAt));
    sets.emplace_back("#version = :version");
    sets.emplace_back("#dispatched_at = :now");
    values.emplace(":version", number_value(*commit.version));
    values.emplace(":now", number_value(now_milliseconds));
    request.condition_expression = "attribute_not_exists(#version) OR #version < :version";
  } else if (commit.read_offset.has_value()) {
    values.emplace(":read", number_value(*commit.read_offset));
    request.condition_expression = "#version = :read";
  } else if (commit.offset_unreadable) {
    values.emplace(":number_type", string_value("N"));
    request.condition_expression = core::dispatch::offset_expression::kVersionUnreadable;
  } else {
    request.condition_expression = "attribute_not_exists(#version)";
  }
  std::string expression;
  if (commit.hold.has_value()) {
    const auto& hold = commit.hold->hold;
    sets.emplace_back("#hold_version = :hold_version");
    sets.emplace_back("#hold_reason = :hold_reason");
    sets.emplace_back("#hold_detail = :hold_detail");
    // An unreadable item's stored hold cannot be compared, so its start is kept here instead.
    sets.emplace_back(commit.offset_unreadable ? "#held_since = if_not_exists(#held_since, :since)"
                                               : "#held_since = :since");
    values.emplace(":hold_version", number_value(hold.version));
    values.emplace(":hold_reason", string_value(core::dispatch::hold_reason_name(hold.reason)));
    values.emplace(":hold_detail", string_value(hold.detail));
    values.emplace(":since", number_value(commit.hold->since_milliseconds));
  }
  if (!sets.empty()) {
    expression = "SET ";
    for (std::size_t i = 0; i < sets.size(); ++i) {
      expression += (i == 0 ? "" : ", ") + sets[i];
    }
  }
  if (!commit.hold.has_value()) {
    expression += std::string(expression.empty() ? "" : " ") +
                  std::string(core::dispatch::offset_expression::kRemoveHold);
  }
  request.update_expression = std::move(expression);
  return request;
}

}  // namespace

std::vector<core::Result<core::dispatch::CommitOutcome>> DynamoDbEventStore::commit_offsets(
    std::span<const core::dispatch::OffsetCommit> commits, core::Deadline deadline) {
  const auto now_milliseconds =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_->wall_now().time_since_epoch())
          .count();
  std::vector<dynamodb::UpdateItemRequest> requests;
  requests.reserve(commits.size());
  for (const auto& commit : commits) {
    requests.push_back(offset_update(tables_.offsets_table, commit, now_milliseconds));
  }
  auto outcomes = client_->update_items(requests, deadline);
  std::vector<core::Result<core::dispatch::CommitOutcome>> results;
  results.reserve(outcomes.size());
  for (auto& outcome : outcomes) {
    if (!outcome) {
      results.emplace_back(core::fail(std::move(outcome.error())));
    } else if (*outcome == dynamodb::ConditionOutcome::kConditionFailed) {
      // An equal or newer offset is stored, or the offset moved under a hold-only write.
      results.emplace_back(core::dispatch::CommitOutcome::kLostRace);
    } else {
      results.emplace_back(core::dispatch::CommitOutcome::kWritten);
    }
  }
  return results;
}

}  // namespace dispatcher::adapters::event_store
