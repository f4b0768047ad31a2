#include "core/observability/report_log.h"

#include <cstddef>
#include <cstdint>
#include <utility>

namespace dispatcher::core::observability {

namespace {

double milliseconds(std::chrono::nanoseconds duration) {
  return static_cast<double>(duration.count()) / 1e6;
}

const char* hold_message(dispatch::HoldReason reason) {
  switch (reason) {
    case dispatch::HoldReason::kGap:
      return "aggregate held at a gap; waits for the missing version";
    case dispatch::HoldReason::kPoison:
      return "aggregate held at a poison event; waits for an operator";
    case dispatch::HoldReason::kRefused:
      return "aggregate held at an event the broker refused; waits for an operator";
    case dispatch::HoldReason::kCorrupt:
      return "aggregate held at corrupt data; waits for an operator";
  }
  return "aggregate held";
}

}  // namespace

void log_dispatch_report(Logger& logger, const dispatch::DispatchReport& report,
                         std::chrono::nanoseconds invocation_duration) {
  for (const auto& warning : report.warnings) {
    logger.warn(warning.message,
                {{"code", warning.code}, {"sequence_number", warning.sequence_number}});
  }
  std::size_t held_at_gap = 0;
  for (const auto& held : report.held) {
    const bool gap = held.hold.reason == dispatch::HoldReason::kGap;
    held_at_gap += gap ? 1 : 0;
    // Different messages, not only a field: an operator searching for "poison" must not wade
    // through the gaps that resolve by themselves.
    logger.warn(hold_message(held.hold.reason),
                {{"aggregate_id", held.aggregate_id},
                 {"held_at_version", held.hold.version},
                 {"reason", dispatch::hold_reason_name(held.hold.reason)},
                 {"detail", held.hold.detail},
                 {"held_since_milliseconds", held.since_milliseconds}});
  }
  for (const auto& dead : report.dead_lettered) {
    logger.warn(
        "event dead-lettered; its aggregate continues",
        {{"aggregate_id", dead.aggregate_id}, {"version", dead.version}, {"reason", dead.reason}});
  }
  for (const auto& failed : report.failed) {
    logger.error("aggregate not dispatched; Lambda retries from its record",
                 {{"aggregate_id", failed.aggregate_id},
                  {"phase", dispatch::phase_name(failed.phase)},
                  {"sequence_number", failed.sequence_number},
                  {"error", failed.error.describe()},
                  {"retryable", failed.error.retryable()},
                  {"uncommitted_messages", failed.uncommitted_messages}});
  }
  nlohmann::json durations = nlohmann::json::object();
  for (std::size_t index = 0; index < dispatch::kPhaseCount; ++index) {
    const auto phase = static_cast<dispatch::Phase>(index);
    durations[dispatch::phase_name(phase)] = milliseconds(report.duration(phase));
  }
  nlohmann::json summary = {
      {"records", report.records},
      {"markers_written", report.markers_written},
      {"aggregates_dispatched", report.aggregates_dispatched},
      {"aggregates_published", report.aggregates_published},
      {"events_published", report.events_published},
      {"offsets_committed", report.offsets_committed},
      {"offset_races_lost", report.offset_races_lost},
      {"continuations", report.continuations},
      {"aggregates_deferred", report.deferred},
      {"aggregates_held", report.held.size()},
      {"aggregates_held_at_gap", held_at_gap},
      {"aggregates_held_at_poison", report.held.size() - held_at_gap},
      {"events_dead_lettered", report.dead_lettered.size()},
      {"aggregates_failed", report.failed.size()},
      {"retry_from", report.response.retry_from ? nlohmann::json(*report.response.retry_from)
                                                : nlohmann::json(nullptr)},
      {"phase_milliseconds", std::move(durations)},
      {"duration_milliseconds", milliseconds(invocation_duration)}};
  if (report.lag.events > 0) {
    summary["lag_max_milliseconds"] = report.lag.max.count();
    summary["lag_average_milliseconds"] =
        report.lag.total.count() / static_cast<std::int64_t>(report.lag.events);
  }
  logger.info("batch handled", summary);
}

}  // namespace dispatcher::core::observability
