#include "app/redrive/self_healing.h"

#include <algorithm>
#include <thread>
#include <utility>

#include "adapters/dynamodb/dynamodb_client.h"
#include "app/operator/operator_context.h"
#include "app/operator/sweep_waves.h"
#include "app/redrive/streams_range_reader.h"
#include "core/encoding/utc_time.h"
#include "core/observability/metrics.h"
#include "core/operator/status_report.h"
#include "core/redrive/on_failure_record.h"
#include "core/redrive/range_redrive.h"
#include "core/redrive/sqs_event.h"

namespace dispatcher::app::redrive {
namespace {

namespace rd = core::redrive;
namespace ops = core::operator_tools;
using core::dynamodb::Item;
using core::dynamodb::string_value;
using nlohmann::json;

/// Kept back of the budget after a sweep, for its state write and the answer.
constexpr std::chrono::milliseconds kSweepReserve{2'000};
/// A range is not started with less than this left.
constexpr std::chrono::milliseconds kRangeReserve{1'000};
constexpr std::string_view kStateRaceCode = "SweepStateRace";

std::int64_t epoch_ms(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

json batch_fields(const std::string& message_id, const rd::OnFailureRecord& record) {
  return {{"message_id", message_id},
          {"condition", record.condition},
          {"shard_id", record.batch.shard_id},
          {"start_sequence_number", record.batch.start_sequence_number},
          {"end_sequence_number", record.batch.end_sequence_number},
          {"batch_size", record.batch.batch_size},
          {"given_up_at", record.timestamp}};
}

}  // namespace

struct SelfHealing::SweepStep {
  rd::SweepState state;
  bool resumed = false;        ///< continued a pass an earlier invocation began
  bool pass_finished = false;  ///< this invocation finished the pass
  bool lost_race = false;      ///< another invocation wrote the state: it is sweeping
  operator_tools::SweepTally tally;
};

SelfHealing::SelfHealing(const core::config::Settings& settings,
                         std::shared_ptr<const core::Clock> clock,
                         core::observability::Logger& logger, core::dispatch::EventStore& store,
                         std::shared_ptr<adapters::aws::JsonClient> dynamodb_json,
                         std::shared_ptr<adapters::aws::JsonClient> streams_json)
    : settings_(settings),
      clock_(std::move(clock)),
      logger_(logger),
      store_(store),
      operator_context_(
          operator_tools::OperatorContext::attach(settings, clock_, std::move(dynamodb_json))),
      reader_(std::make_unique<StreamsRangeReader>(
          std::make_shared<adapters::streams::StreamsClient>(std::move(streams_json)))) {}

SelfHealing::~SelfHealing() = default;

void SelfHealing::emit_metrics(const rd::RedriveReport& report,
                               std::chrono::steady_clock::time_point started) {
  const auto document = core::observability::self_healing_metrics(
      report, core::observability::MetricsContext{
                  .metrics_namespace = settings_.metrics_namespace,
                  .service = settings_.service_name,
                  .function_name = logger_.function().name,
                  .request_id = logger_.request_id(),
                  .timestamp = clock_->wall_now(),
                  .invocation_duration = clock_->now() - started,
              });
  logger_.write_raw(core::observability::to_emf_line(document));
}

core::Result<std::string> SelfHealing::handle_sqs(std::string_view event_json,
                                                  const core::TimeBudget& budget) {
  const auto started = clock_->now();
  const std::int64_t received_ms = epoch_ms(clock_->wall_now());
  rd::RedriveReport report;
  auto messages = rd::parse_sqs_event(event_json);
  if (!messages) {
    logger_.error("invalid SQS event; the whole batch fails",
                  {{"error", messages.error().describe()}});
    emit_metrics(report, started);
    return core::fail(std::move(messages.error()));
  }
  report.records = messages->size();
  std::vector<std::string> failed;
  struct Trimmed {
    const rd::SqsMessage* message;
    json fields;
  };
  std::vector<Trimmed> trimmed;
  for (const auto& message : *messages) {
    auto record = rd::parse_on_failure_record(message.body);
    if (!record) {
      logger_.error("redrive: on-failure record unreadable; not acknowledged",
                    {{"message_id", message.message_id}, {"error", record.error().describe()}});
      failed.push_back(message.message_id);
      continue;
    }
    const auto table = rd::stream_table_name(record->batch.stream_arn);
    if (table != settings_.events_table_name) {
      logger_.error("redrive: on-failure record of another table's stream; not acknowledged",
                    {{"message_id", message.message_id},
                     {"stream_arn", record->batch.stream_arn},
                     {"events_table", settings_.events_table_name}});
      failed.push_back(message.message_id);
      continue;
    }
    json fields = batch_fields(message.message_id, *record);
    if (budget.left(*clock_) <= kRangeReserve) {
      logger_.warn("redrive: no time left for this range; not acknowledged, retried", fields);
      failed.push_back(message.message_id);
      continue;
    }
    const auto outcome = rd::redrive_range(
        *reader_, store_, record->batch,
        rd::redrive_trigger(clock_->wall_now(), message.message_id), budget, *clock_);
    fields["records"] = outcome.records_read;
    fields["aggregates"] = outcome.rung.size();
    fields["pages"] = outcome.pages;
    switch (outcome.outcome) {
      case rd::RangeOutcome::kRung:
        ++report.ranges_rung;
        report.aggregates_rung += outcome.rung.size();
        logger_.info("redrive: range read back, doorbells rung", fields);
        break;
      case rd::RangeOutcome::kTrimmed:
        ++report.ranges_trimmed;
        fields["reason"] = outcome.error ? outcome.error->message : "";
        logger_.warn("redrive: range no longer in the stream; a sweep pass covers it", fields);
        trimmed.push_back(Trimmed{.message = &message, .fields = std::move(fields)});
        break;
      case rd::RangeOutcome::kIncomplete:
        fields["error"] = outcome.error ? outcome.error->describe() : "";
        logger_.warn("redrive: range not finished; not acknowledged, retried", fields);
        failed.push_back(message.message_id);
        break;
    }
  }
  if (!trimmed.empty()) {
    auto step = sweep_step(rd::SweepRequest{}, budget, report);
    for (auto& entry : trimmed) {
      const std::int64_t given_up = entry.message->sent_timestamp_ms.value_or(received_ms);
      if (step && rd::pass_covers(step->state, given_up)) {
        logger_.info("redrive: trimmed range covered by a finished sweep pass", entry.fields);
        continue;
      }
      entry.fields["sweep"] =
          step ? json{{"pass_started_ms", step->state.pass_started_ms.value_or(0)},
                      {"waves", step->tally.waves},
                      {"lost_race", step->lost_race}}
               : json{{"error", step.error().describe()}};
      logger_.info("redrive: sweep pass not finished; trimmed range kept until one is",
                   entry.fields);
      failed.push_back(entry.message->message_id);
    }
  }
  report.failures = failed.size();
  logger_.info("self-healing invocation",
               {{"records", report.records},
                {"ranges_rung", report.ranges_rung},
                {"aggregates_rung", report.aggregates_rung},
                {"ranges_trimmed", report.ranges_trimmed},
                {"not_acknowledged", report.failures},
                {"sweep_aggregates_rung", report.sweep_aggregates_rung},
                {"sweep_passes_completed", report.sweep_passes_completed}});
  emit_metrics(report, started);
  return rd::sqs_batch_response(failed);
}

core::Result<std::string> SelfHealing::handle_sweep(std::string_view event_json,
                                                    const core::TimeBudget& budget) {
  const auto started = clock_->now();
  rd::RedriveReport report;
  auto request = rd::parse_sweep_request(event_json);
  if (!request) {
    logger_.error("invalid sweep payload", {{"error", request.error().describe()}});
    emit_metrics(report, started);
    return core::fail(std::move(request.error()));
  }
  auto step = sweep_step(*request, budget, report);
  if (!step) {
    logger_.error("sweep failed; its position is kept for the next run",
                  {{"error", step.error().describe()}});
    emit_metrics(report, started);
    return core::fail(std::move(step.error()));
  }
  const json summary = {{"resumed", step->resumed},
                        {"pass_finished", step->pass_finished},
                        {"lost_race", step->lost_race},
                        {"waves", step->tally.waves},
                        {"aggregates", step->tally.aggregates},
                        {"items", step->tally.items},
                        {"rang", step->tally.rang.size()},
                        {"skipped_held", step->tally.held.size()},
                        {"rang_ids", step->tally.rang}};
  json logged = summary;
  logged.erase("rang_ids");
  logger_.info("sweep", logged);
  emit_metrics(report, started);
  return json{{"sweep", summary}}.dump();
}

core::Result<SelfHealing::SweepStep> SelfHealing::sweep_step(const rd::SweepRequest& request,
                                                             const core::TimeBudget& budget,
                                                             rd::RedriveReport& report) {
  const core::Clock& clock = *clock_;
  const auto call_deadline = [&] { return budget.keeping(clock, kSweepReserve); };
  auto item = load_state(call_deadline());
  if (!item) {
    return core::fail(std::move(item.error()));
  }
  auto loaded = rd::sweep_state_from_item(*item);
  if (!loaded) {
    return core::fail(std::move(loaded.error()));
  }
  SweepStep step{.state = std::move(*loaded)};
  rd::SweepState& state = step.state;
  step.resumed = state.progress.has_value();
  if (state.progress && state.progress->table_name != settings_.events_table_name) {
    return core::fail(core::permanent_error(
        "InvalidSweepState", "the stored sweep token is for table '" + state.progress->table_name +
                                 "', not '" + settings_.events_table_name + "'"));
  }
  if (!state.progress) {
    state.progress = ops::ScanProgress::start(settings_.events_table_name,
                                              static_cast<std::size_t>(request.segments));
    state.pass_started_ms = epoch_ms(clock.wall_now());
  }
  std::vector<ops::ScanFold> folds;
  for (const auto& segment : state.progress->segments) {
    folds.emplace_back(segment.pending);
  }
  ops::RatePacer pacer(request.rate);
  const std::string trigger = ops::sweep_trigger(clock.wall_now());
  const auto segments =
      static_cast<double>(std::max<std::size_t>(1, state.progress->segments.size()));
  std::size_t waves = 0;
  while (!state.progress->done()) {
    if (request.max_waves && static_cast<std::int64_t>(waves) >= *request.max_waves) {
      break;
    }
    const auto left = budget.left(clock) - kSweepReserve;
    if (left <= std::chrono::milliseconds::zero()) {
      break;
    }
    // A wave must fit the budget at the paced rate (at most one doorbell per item read), or a
    // wave cut short would be scanned again next time, for ever.
    const double affordable =
        request.rate * std::chrono::duration<double>(left).count() / 2.0 / segments;
    const auto page_size =
        std::clamp<std::int64_t>(static_cast<std::int64_t>(affordable), 1, request.page_size);
    bool started_one = false;
    operator_tools::SweepWaveHooks hooks;
    hooks.start_wave = [&started_one] { return !std::exchange(started_one, true); };
    hooks.deadline = call_deadline;
    hooks.wait = [&](std::chrono::steady_clock::duration wait) {
      if (clock.now() + wait >= budget.respond_by() - kSweepReserve) {
        return false;
      }
      std::this_thread::sleep_for(wait);
      return true;
    };
    hooks.after_wave = [&](const ops::ScanProgress& /*position*/) -> core::Status {
      auto saved = save_state(state, call_deadline());
      if (!saved) {
        return core::fail(std::move(saved.error()));
      }
      if (!*saved) {
        return core::fail(
            core::permanent_error(std::string(kStateRaceCode), "another invocation is sweeping"));
      }
      return {};
    };
    const auto before = step.tally.waves;
    auto end = operator_tools::sweep_waves(*operator_context_, *state.progress, folds, trigger,
                                           false, page_size, pacer, step.tally, hooks);
    if (!end) {
      if (end.error().code == kStateRaceCode) {
        step.lost_race = true;
        break;
      }
      report.sweep_aggregates_rung += step.tally.rang.size();
      report.sweep_waves += step.tally.waves;
      return core::fail(std::move(end.error()));
    }
    if (step.tally.waves == before) {
      break;  // no time for a whole wave
    }
    ++waves;
  }
  if (!step.lost_race && state.progress->done()) {
    rd::SweepState finished = state;
    finished.completed_pass_started_ms = state.pass_started_ms;
    finished.progress.reset();
    finished.pass_started_ms.reset();
    auto saved = save_state(finished, call_deadline());
    if (!saved) {
      return core::fail(std::move(saved.error()));
    }
    if (*saved) {
      step.pass_finished = true;
      state = std::move(finished);
      ++report.sweep_passes_completed;
    } else {
      step.lost_race = true;
    }
  }
  report.sweep_aggregates_rung += step.tally.rang.size();
  report.sweep_waves += step.tally.waves;
  return step;
}

core::Result<std::optional<Item>> SelfHealing::load_state(core::Deadline deadline) {
  adapters::dynamodb::BatchGetRequest request{.table_name = settings_.offsets_table_name,
                                              .consistent_read = true};
  request.keys.push_back(Item{{"id", string_value(std::string(rd::kSweepStateId))}});
  auto answers = operator_context_->dynamodb().batch_get(request, deadline);
  if (!answers.front()) {
    return core::fail(std::move(answers.front().error()));
  }
  return std::move(*answers.front());
}

core::Result<bool> SelfHealing::save_state(rd::SweepState& state, core::Deadline deadline) {
  rd::SweepState next = state;
  next.revision = state.revision + 1;
  const Item attributes = rd::sweep_state_attributes(next);
  adapters::dynamodb::UpdateItemRequest request{
      .table_name = settings_.offsets_table_name,
      .key = Item{{"id", string_value(std::string(rd::kSweepStateId))}}};
  std::string set = "SET #updated_at = :updated_at";
  request.expression_attribute_names["#updated_at"] = "updated_at";
  request.expression_attribute_values[":updated_at"] =
      string_value(core::encoding::rfc3339_utc(clock_->wall_now()));
  std::string remove;
  for (const std::string name :
       {"revision", "sweep_token", "pass_started_ms", "completed_pass_started_ms"}) {
    request.expression_attribute_names["#" + name] = name;
    if (const auto found = attributes.find(name); found != attributes.end()) {
      set.append(", #").append(name).append(" = :").append(name);
      request.expression_attribute_values[":" + name] = found->second;
    } else {
      remove.append(remove.empty() ? " REMOVE #" : ", #").append(name);
    }
  }
  request.update_expression = set + remove;
  if (state.revision == 0) {
    request.condition_expression = "attribute_not_exists(#revision)";
  } else {
    request.condition_expression = "#revision = :expected";
    request.expression_attribute_values[":expected"] =
        core::dynamodb::integer_value(state.revision);
  }
  auto outcome = operator_context_->dynamodb().update_item(request, deadline);
  if (!outcome) {
    return core::fail(std::move(outcome.error()));
  }
  if (*outcome == adapters::dynamodb::ConditionOutcome::kConditionFailed) {
    return false;
  }
  state.revision = next.revision;
  return true;
}

}  // namespace dispatcher::app::redrive
