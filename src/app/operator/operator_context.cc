#include "app/operator/operator_context.h"

#include <algorithm>
#include <utility>

#include "app/startup_configuration.h"
#include "core/dispatch/failure_scope.h"
#include "core/dynamodb/json_codec.h"

namespace dispatcher::app::operator_tools {
namespace {

namespace ops = core::operator_tools;
using core::dynamodb::integer_attribute;
using core::dynamodb::integer_value;
using core::dynamodb::Item;
using core::dynamodb::string_value;

/// The planner needs only the first events after the offset to find a gap or poison event now.
constexpr std::size_t kEventsToInspect = 100;

}  // namespace

core::Result<std::unique_ptr<OperatorContext>> OperatorContext::create(
    core::config::Environment environment) {
  // Settings that only the Kafka side of the dispatcher needs get stand-ins, so operators can run
  // the commands with the table settings alone.
  environment.try_emplace("KAFKA_BOOTSTRAP_SERVERS", "unused-by-operator-commands:9092");
  environment.try_emplace("KAFKA_TOPIC_OUTPUT", "unused-by-operator-commands");

  std::unique_ptr<OperatorContext> context(
      new OperatorContext());  // NOLINT(cppcoreguidelines-owning-memory): private constructor
  context->clock_ = std::make_shared<core::SystemClock>();
  auto configuration = load_startup_configuration(environment, context->clock_,
                                                  context->deadline_in(std::chrono::seconds(20)));
  if (!configuration) {
    return core::fail(std::move(configuration.error()));
  }
  context->aws_ = std::move(configuration->aws);
  context->settings_ = std::move(configuration->settings);
  auto json = context->aws_->json_client(adapters::aws::kDynamoDbService, "dynamodb");
  if (!json) {
    return core::fail(std::move(json.error()));
  }
  context->json_ = std::move(*json);
  context->dynamodb_ = std::make_shared<adapters::dynamodb::DynamoDbClient>(context->json_);
  context->event_store_ = std::make_unique<adapters::event_store::DynamoDbEventStore>(
      context->dynamodb_,
      adapters::event_store::EventStoreTables{
          .events_table = context->settings_.events_table_name,
          .offsets_table = context->settings_.offsets_table_name},
      context->clock_);
  context->planner_ = std::make_unique<const core::dispatch::RunPlanner>(
      core::dispatch::make_run_planner(dispatcher_options(context->settings_)));
  return context;
}

std::unique_ptr<OperatorContext> OperatorContext::attach(
    core::config::Settings settings, std::shared_ptr<const core::Clock> clock,
    std::shared_ptr<adapters::aws::JsonClient> dynamodb_json) {
  std::unique_ptr<OperatorContext> context(
      new OperatorContext());  // NOLINT(cppcoreguidelines-owning-memory): private constructor
  context->clock_ = std::move(clock);
  context->settings_ = std::move(settings);
  context->json_ = std::move(dynamodb_json);
  context->dynamodb_ = std::make_shared<adapters::dynamodb::DynamoDbClient>(context->json_);
  context->event_store_ = std::make_unique<adapters::event_store::DynamoDbEventStore>(
      context->dynamodb_,
      adapters::event_store::EventStoreTables{
          .events_table = context->settings_.events_table_name,
          .offsets_table = context->settings_.offsets_table_name},
      context->clock_);
  context->planner_ = std::make_unique<const core::dispatch::RunPlanner>(
      core::dispatch::make_run_planner(dispatcher_options(context->settings_)));
  return context;
}

core::Deadline OperatorContext::deadline_in(std::chrono::seconds seconds) const {
  return clock_->now() + seconds;
}

core::Result<ScanWave> OperatorContext::scan_wave(ops::ScanProgress& progress,
                                                  std::vector<ops::ScanFold>& folds,
                                                  std::optional<std::int64_t> page_size,
                                                  core::Deadline deadline) {
  std::vector<adapters::aws::JsonCall> calls;
  std::vector<std::size_t> segments;
  const auto total = progress.segments.size();
  for (std::size_t segment = 0; segment < total; ++segment) {
    const auto& state = progress.segments[segment];
    if (state.done) {
      continue;
    }
    nlohmann::json input = {{"TableName", progress.table_name},
                            {"ConsistentRead", true},
                            {"ProjectionExpression", "#id, #version, #trigger"},
                            {"ExpressionAttributeNames",
                             {{"#id", "id"}, {"#version", "version"}, {"#trigger", "trigger"}}}};
    if (total > 1) {
      input["Segment"] = segment;
      input["TotalSegments"] = total;
    }
    if (page_size) {
      input["Limit"] = *page_size;
    }
    if (state.exclusive_start_key) {
      input["ExclusiveStartKey"] = core::dynamodb::item_to_json(*state.exclusive_start_key);
    }
    calls.push_back(adapters::aws::JsonCall{.operation = "Scan", .input = std::move(input)});
    segments.push_back(segment);
  }
  auto responses = json_->call_all(calls, deadline);
  // Decode every page before changing any state, so a failed wave can be repeated as it was.
  std::vector<std::vector<Item>> pages(responses.size());
  std::vector<std::optional<Item>> next_keys(responses.size());
  for (std::size_t i = 0; i < responses.size(); ++i) {
    if (!responses[i]) {
      return core::fail(std::move(responses[i].error()));
    }
    const auto& output = responses[i]->output;
    if (output.contains("Items") && output["Items"].is_array()) {
      for (const auto& entry : output["Items"]) {
        auto item = core::dynamodb::item_from_json(entry);
        if (!item) {
          return core::fail(std::move(item.error()));
        }
        pages[i].push_back(std::move(*item));
      }
    }
    if (output.contains("LastEvaluatedKey") && output["LastEvaluatedKey"].is_object()) {
      auto key = core::dynamodb::item_from_json(output["LastEvaluatedKey"]);
      if (!key) {
        return core::fail(std::move(key.error()));
      }
      next_keys[i] = std::move(*key);
    }
  }
  ScanWave wave;
  for (std::size_t i = 0; i < pages.size(); ++i) {
    auto& state = progress.segments[segments[i]];
    auto& fold = folds[segments[i]];
    const bool last_page = !next_keys[i].has_value();
    wave.items += pages[i].size();
    auto complete = fold.add_page(pages[i], last_page);
    std::ranges::move(complete, std::back_inserter(wave.aggregates));
    state.exclusive_start_key = std::move(next_keys[i]);
    state.done = last_page;
    state.pending = fold.pending();
  }
  return wave;
}

core::Result<std::vector<ops::AggregateStatus>> OperatorContext::inspect(
    std::span<const ops::ScannedAggregate> aggregates, core::Deadline deadline) {
  std::vector<ops::AggregateStatus> statuses;
  if (aggregates.empty()) {
    return statuses;
  }
  adapters::dynamodb::BatchGetRequest request{.table_name = settings_.offsets_table_name,
                                              .consistent_read = true};
  for (const auto& aggregate : aggregates) {
    request.keys.push_back(Item{{"id", string_value(aggregate.id)}});
  }
  auto answers = dynamodb_->batch_get(request, deadline);
  std::vector<ops::OffsetRecord> offsets;
  offsets.reserve(answers.size());
  for (auto& answer : answers) {
    if (!answer) {
      return core::fail(std::move(answer.error()));
    }
    // The dispatcher's own codec; an unreadable item is the aggregate's (held/corrupt), not ours.
    offsets.push_back(ops::read_offset_record(*answer));
  }
  std::vector<core::dispatch::EventQuery> queries;
  std::vector<std::size_t> queried;
  const std::int64_t first = planner_->first_event_version();
  for (std::size_t i = 0; i < aggregates.size(); ++i) {
    if (ops::needs_events(aggregates[i], offsets[i], first)) {
      queries.push_back(
          core::dispatch::EventQuery{.aggregate_id = aggregates[i].id,
                                     .after_version = offsets[i].state.version.value_or(first - 1),
                                     .max_events = kEventsToInspect});
      queried.push_back(i);
    }
  }
  auto pages = event_store_->read_events(queries, core::dispatch::ReadBudget{}, deadline);
  std::vector<std::optional<core::Result<core::dispatch::EventPage>>> page_of(aggregates.size());
  for (std::size_t q = 0; q < pages.size(); ++q) {
    if (!pages[q] && core::dispatch::failure_scope(pages[q].error()) !=
                         core::dispatch::FailureScope::kHoldAggregate) {
      return core::fail(std::move(pages[q].error()));
    }
    page_of[queried[q]] = std::move(pages[q]);
  }
  statuses.reserve(aggregates.size());
  for (std::size_t i = 0; i < aggregates.size(); ++i) {
    const auto& page = page_of[i];
    if (page && !*page) {
      statuses.push_back(
          ops::assess_unreadable_events(aggregates[i], offsets[i], page->error(), first));
      continue;
    }
    const std::span<const Item> events =
        page ? std::span<const Item>((*page)->items) : std::span<const Item>();
    statuses.push_back(ops::assess(aggregates[i], offsets[i], events, *planner_));
  }
  return statuses;
}

core::Result<std::optional<Item>> OperatorContext::offset_item(const std::string& aggregate_id,
                                                               core::Deadline deadline) {
  return dynamodb_->get_item(settings_.offsets_table_name, Item{{"id", string_value(aggregate_id)}},
                             true, deadline);
}

core::Result<ops::ScannedAggregate> OperatorContext::find_aggregate(const std::string& aggregate_id,
                                                                    core::Deadline deadline) {
  ops::ScannedAggregate aggregate{.id = aggregate_id};
  auto head = dynamodb_->query(
      adapters::dynamodb::QueryRequest{
          .table_name = settings_.events_table_name,
          .key_condition_expression = "#id = :id AND #version >= :zero",
          .expression_attribute_names = {{"#id", "id"}, {"#version", "version"}},
          .expression_attribute_values = {{":id", string_value(aggregate_id)},
                                          {":zero", integer_value(0)}},
          .consistent_read = true,
          .scan_index_forward = false,
          .limit = 1},
      deadline);
  if (!head) {
    return core::fail(std::move(head.error()));
  }
  if (!head->items.empty()) {
    aggregate.head_version = integer_attribute(head->items.front(), "version");
  }
  auto marker =
      dynamodb_->get_item(settings_.events_table_name,
                          Item{{"id", string_value(aggregate_id)},
                               {"version", integer_value(core::dispatch::kMarkerVersion)}},
                          true, deadline);
  if (!marker) {
    return core::fail(std::move(marker.error()));
  }
  if (const auto& marker_item = *marker) {
    if (const std::string* trigger = core::dynamodb::string_attribute(*marker_item, "trigger")) {
      aggregate.marker_trigger = *trigger;
    }
  }
  return aggregate;
}

}  // namespace dispatcher::app::operator_tools
