#include "core/operator/sweep_plan.h"

#include <algorithm>
#include <stdexcept>

#include "core/dynamodb/json_codec.h"
#include "core/encoding/utc_time.h"
#include "core/operator/status_report.h"

namespace dispatcher::core::operator_tools {
namespace {

Error invalid_token(const std::string& what) {
  return permanent_error("InvalidResumeToken", "resume token: " + what);
}

std::chrono::steady_clock::duration pacing_interval(double per_second) {
  if (!(per_second > 0)) {
    throw std::invalid_argument("RatePacer: the rate must be positive");
  }
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(1.0 / per_second));
}

}  // namespace

SweepAction sweep_action(const AggregateStatus& status) noexcept {
  switch (status.condition) {
    case AggregateCondition::kUpToDate:
      return SweepAction::kNone;
    case AggregateCondition::kBehind:
      return SweepAction::kRing;
    case AggregateCondition::kHeld:
      return status.hold && status.hold_source == HoldSource::kStored ? SweepAction::kSkipHeld
                                                                      : SweepAction::kRing;
  }
  return SweepAction::kNone;
}

std::string sweep_trigger(std::chrono::system_clock::time_point now) {
  return "sweep:" + encoding::rfc3339_utc(now);
}

RatePacer::RatePacer(double per_second) : interval_(pacing_interval(per_second)) {}

std::chrono::steady_clock::duration RatePacer::take(std::chrono::steady_clock::time_point now) {
  const auto slot = next_ ? std::max(now, *next_) : now;
  next_ = slot + interval_;
  return slot - now;
}

bool ScanProgress::done() const noexcept {
  return std::ranges::all_of(segments, &SegmentProgress::done);
}

ScanProgress ScanProgress::start(std::string table_name, std::size_t total_segments) {
  return ScanProgress{
      .table_name = std::move(table_name),
      .segments = std::vector<SegmentProgress>(std::max<std::size_t>(1, total_segments))};
}

nlohmann::json scan_progress_to_json(const ScanProgress& progress) {
  nlohmann::json segments = nlohmann::json::array();
  for (const auto& segment : progress.segments) {
    nlohmann::json entry = {{"done", segment.done}};
    entry["exclusive_start_key"] = segment.exclusive_start_key
                                       ? dynamodb::item_to_json(*segment.exclusive_start_key)
                                       : nlohmann::json(nullptr);
    if (segment.pending) {
      entry["pending"] = {{"id", segment.pending->id},
                          {"head_version", segment.pending->head_version
                                               ? nlohmann::json(*segment.pending->head_version)
                                               : nlohmann::json(nullptr)}};
    } else {
      entry["pending"] = nullptr;
    }
    segments.push_back(std::move(entry));
  }
  return {{"table", progress.table_name}, {"segments", std::move(segments)}};
}

Result<ScanProgress> scan_progress_from_json(const nlohmann::json& json) {
  if (!json.is_object() || !json.contains("table") || !json["table"].is_string() ||
      !json.contains("segments") || !json["segments"].is_array() || json["segments"].empty()) {
    return fail(invalid_token(R"(expected {"table": ..., "segments": [...]})"));
  }
  ScanProgress progress{.table_name = json["table"].get<std::string>()};
  for (const auto& entry : json["segments"]) {
    if (!entry.is_object() || !entry.contains("done") || !entry["done"].is_boolean()) {
      return fail(invalid_token("each segment needs a boolean 'done'"));
    }
    SegmentProgress segment{.done = entry["done"].get<bool>()};
    if (entry.contains("exclusive_start_key") && !entry["exclusive_start_key"].is_null()) {
      auto key = dynamodb::item_from_json(entry["exclusive_start_key"]);
      if (!key) {
        return fail(invalid_token("exclusive_start_key: " + key.error().message));
      }
      segment.exclusive_start_key = std::move(*key);
    }
    if (entry.contains("pending") && entry["pending"].is_object()) {
      const auto& pending = entry["pending"];
      if (!pending.contains("id") || !pending["id"].is_string()) {
        return fail(invalid_token("pending needs a string 'id'"));
      }
      ScannedAggregate aggregate{.id = pending["id"].get<std::string>()};
      if (pending.contains("head_version") && pending["head_version"].is_number_integer()) {
        aggregate.head_version = pending["head_version"].get<std::int64_t>();
      }
      segment.pending = std::move(aggregate);
    }
    progress.segments.push_back(std::move(segment));
  }
  return progress;
}

}  // namespace dispatcher::core::operator_tools
