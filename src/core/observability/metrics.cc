#include "core/observability/metrics.h"

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace dispatcher::core::observability {

namespace {

constexpr std::string_view kCount = "Count";
constexpr std::string_view kMilliseconds = "Milliseconds";

double milliseconds(std::chrono::nanoseconds duration) {
  return static_cast<double>(duration.count()) / 1e6;
}

/// Collects the metric definitions and their values side by side, so a name can never be declared
/// without its value or the other way round.
class MetricsDocument {
 public:
  void add(std::string_view name, std::string_view unit, nlohmann::json value) {
    definitions_.push_back({{"Name", name}, {"Unit", unit}});
    values_[std::string(name)] = std::move(value);
  }
  void add_count(std::string_view name, std::size_t count) { add(name, kCount, count); }
  void add_milliseconds(std::string_view name, double value) { add(name, kMilliseconds, value); }

  nlohmann::json finish(const MetricsContext& context) && {
    nlohmann::json document = std::move(values_);
    document["service"] = context.service;
    if (!context.function_name.empty()) {
      document["function_name"] = context.function_name;
    }
    if (!context.request_id.empty()) {
      document["function_request_id"] = context.request_id;
    }
    const auto timestamp =
        std::chrono::duration_cast<std::chrono::milliseconds>(context.timestamp.time_since_epoch())
            .count();
    document["_aws"] = {
        {"Timestamp", static_cast<std::int64_t>(timestamp)},
        {"CloudWatchMetrics",
         nlohmann::json::array({{{"Namespace", context.metrics_namespace},
                                 {"Dimensions", nlohmann::json::array({{"service"}})},
                                 {"Metrics", std::move(definitions_)}}})}};
    return document;
  }

 private:
  nlohmann::json definitions_ = nlohmann::json::array();
  nlohmann::json values_ = nlohmann::json::object();
};

}  // namespace

std::string phase_metric_name(dispatch::Phase phase) {
  // "write-markers" -> "PhaseWriteMarkersDuration": the log's phase names, in metric case.
  std::string name = "Phase";
  bool word_start = true;
  for (const char character : std::string_view(dispatch::phase_name(phase))) {
    if (character == '-') {
      word_start = true;
      continue;
    }
    name += word_start ? static_cast<char>(std::toupper(static_cast<unsigned char>(character)))
                       : character;
    word_start = false;
  }
  return name + "Duration";
}

nlohmann::json invocation_metrics(const dispatch::DispatchReport& report,
                                  const MetricsContext& context) {
  std::size_t held_at_gap = 0;
  std::size_t held_at_poison = 0;  // every hold that waits for a fix or an operator
  std::size_t held_refused = 0;
  std::size_t held_corrupt = 0;
  for (const auto& held : report.held) {
    ++(held.hold.reason == dispatch::HoldReason::kGap ? held_at_gap : held_at_poison);
    held_refused += held.hold.reason == dispatch::HoldReason::kRefused ? 1 : 0;
    held_corrupt += held.hold.reason == dispatch::HoldReason::kCorrupt ? 1 : 0;
  }

  MetricsDocument document;
  document.add_count("StreamRecords", report.records);
  document.add_count("EventsDispatched", report.events_published);
  document.add_count("AggregatesDispatched", report.aggregates_dispatched);
  document.add_count("AggregatesPublished", report.aggregates_published);
  document.add_count("MarkersWritten", report.markers_written);
  document.add_count("OffsetsCommitted", report.offsets_committed);
  document.add_count("Continuations", report.continuations);
  document.add_count("AggregatesHeldAtGap", held_at_gap);
  document.add_count("AggregatesHeldAtPoison", held_at_poison);
  document.add_count("AggregatesHeldRefused", held_refused);
  document.add_count("AggregatesHeldCorrupt", held_corrupt);
  document.add_count("OffsetRacesLost", report.offset_races_lost);
  document.add_count("AggregatesDeferred", report.deferred);
  document.add_count("InvocationFailed", report.invocation_error.has_value() ? 1 : 0);
  document.add_count("EventsDeadLettered", report.dead_lettered.size());
  document.add_count("AggregatesFailed", report.failed.size());
  if (report.lag.events > 0) {
    // Without a delivered event there is no lag: a zero would drag averages and hide a backlog.
    document.add_milliseconds("DispatchLagMax", static_cast<double>(report.lag.max.count()));
    document.add_milliseconds("DispatchLagAverage", static_cast<double>(report.lag.total.count()) /
                                                        static_cast<double>(report.lag.events));
  }
  for (std::size_t index = 0; index < dispatch::kPhaseCount; ++index) {
    const auto phase = static_cast<dispatch::Phase>(index);
    const auto duration = report.duration(phase);
    if (duration > std::chrono::nanoseconds::zero()) {
      document.add_milliseconds(phase_metric_name(phase), milliseconds(duration));
    }
  }
  document.add_milliseconds("InvocationDuration", milliseconds(context.invocation_duration));
  return std::move(document).finish(context);
}

nlohmann::json self_healing_metrics(const redrive::RedriveReport& report,
                                    const MetricsContext& context) {
  MetricsDocument document;
  document.add_count("RedriveRecords", report.records);
  document.add_count("RedriveRangesRung", report.ranges_rung);
  document.add_count("RedriveAggregatesRung", report.aggregates_rung);
  document.add_count("RedriveRangesTrimmed", report.ranges_trimmed);
  document.add_count("RedriveFailures", report.failures);
  document.add_count("SweepAggregatesRung", report.sweep_aggregates_rung);
  document.add_count("SweepWaves", report.sweep_waves);
  document.add_count("SweepPassesCompleted", report.sweep_passes_completed);
  document.add_milliseconds("InvocationDuration", milliseconds(context.invocation_duration));
  return std::move(document).finish(context);
}

std::string to_emf_line(const nlohmann::json& document) {
  return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace dispatcher::core::observability
