#include "core/redrive/range_redrive.h"

#include <algorithm>
#include <unordered_set>

#include "core/dispatch/sequence_number.h"
#include "core/encoding/utc_time.h"

namespace dispatcher::core::redrive {
namespace {

using dispatch::compare_sequence_numbers;

Error incomplete(const std::string& what) { return retryable_error("RedriveIncomplete", what); }

Error trimmed(const StreamBatchInfo& batch, std::string_view why) {
  return permanent_error("RedriveRangeTrimmed", "range " + batch.start_sequence_number + ".." +
                                                    batch.end_sequence_number + " of shard " +
                                                    batch.shard_id + ": " + std::string(why));
}

std::string_view unreadable_reason(IteratorStatus status) {
  switch (status) {
    case IteratorStatus::kTrimmed:
      return "past the stream's retention (TrimmedDataAccessException)";
    case IteratorStatus::kShardNotFound:
      return "the stream or shard no longer exists (ResourceNotFoundException)";
    case IteratorStatus::kNotInShard:
      return "the sequence number is not in the shard (ValidationException)";
    case IteratorStatus::kOk:
      break;
  }
  return "readable";
}

}  // namespace

RangeRedrive redrive_range(StreamRangeReader& reader, dispatch::EventStore& store,
                           const StreamBatchInfo& batch, const std::string& trigger,
                           const TimeBudget& budget, const Clock& clock,
                           const RangeLimits& limits) {
  RangeRedrive result;
  const auto step_deadline = [&] { return budget.keeping(clock, limits.reserve); };
  auto iterator = reader.iterator_at(batch, batch.start_sequence_number, false, step_deadline());
  if (!iterator) {
    result.error = std::move(iterator.error());
    return result;
  }
  if (iterator->status != IteratorStatus::kOk) {
    result.outcome = RangeOutcome::kTrimmed;
    result.error = trimmed(batch, unreadable_reason(iterator->status));
    return result;
  }
  std::string current = std::move(iterator->iterator);
  std::optional<std::string> last_seen;
  std::unordered_set<std::string> seen_aggregates;
  bool reached_end = false;
  while (!reached_end) {
    if (budget.left(clock) <= limits.reserve) {
      result.error = incomplete("the time budget ran out after " + std::to_string(result.pages) +
                                " pages of the range");
      return result;
    }
    if (result.pages >= limits.max_pages) {
      result.error = incomplete("the end of the range was not reached in " +
                                std::to_string(limits.max_pages) + " pages");
      return result;
    }
    auto page = reader.read(current, step_deadline());
    ++result.pages;
    if (!page) {
      result.error = std::move(page.error());
      return result;
    }
    if (page->status == PageStatus::kTrimmed) {
      result.outcome = RangeOutcome::kTrimmed;
      result.rung.clear();
      result.error = trimmed(batch, "trimmed while it was read (TrimmedDataAccessException)");
      return result;
    }
    if (page->status == PageStatus::kIteratorExpired) {
      auto renewed = reader.iterator_at(batch, last_seen.value_or(batch.start_sequence_number),
                                        last_seen.has_value(), step_deadline());
      if (!renewed) {
        result.error = std::move(renewed.error());
        return result;
      }
      if (renewed->status != IteratorStatus::kOk) {
        result.outcome = RangeOutcome::kTrimmed;
        result.rung.clear();
        result.error = trimmed(batch, "no longer readable after the iterator expired");
        return result;
      }
      current = std::move(renewed->iterator);
      continue;
    }
    for (const auto& record : page->records) {
      if (compare_sequence_numbers(record.sequence_number, batch.end_sequence_number) > 0) {
        reached_end = true;
        break;
      }
      if (compare_sequence_numbers(record.sequence_number, batch.start_sequence_number) < 0) {
        continue;
      }
      if (dispatch::record_kind(record.version) == dispatch::RecordKind::kUnknown) {
        continue;
      }
      ++result.records_read;
      if (seen_aggregates.insert(record.aggregate_id).second) {
        result.rung.push_back(record.aggregate_id);
      }
    }
    if (const auto& last = page->last_sequence_number; last.has_value()) {
      if (compare_sequence_numbers(*last, batch.end_sequence_number) >= 0) {
        reached_end = true;
      }
      last_seen = last;
    }
    if (auto& next = page->next_iterator; next.has_value()) {
      current = std::move(*next);
    } else {
      reached_end = true;  // the shard is closed and read to its end
    }
  }
  std::vector<dispatch::MarkerWrite> markers;
  markers.reserve(result.rung.size());
  for (const auto& aggregate : result.rung) {
    markers.push_back(dispatch::MarkerWrite{.aggregate_id = aggregate, .trigger = trigger});
  }
  if (!markers.empty()) {
    auto statuses = store.write_markers(markers, budget.respond_by());
    for (auto& status : statuses) {
      if (!status) {
        result.error = std::move(status.error());
        return result;
      }
    }
  }
  result.outcome = RangeOutcome::kRung;
  return result;
}

std::string redrive_trigger(std::chrono::system_clock::time_point now,
                            std::string_view message_id) {
  return "redrive:" + encoding::rfc3339_utc(now) + ":" + std::string(message_id);
}

}  // namespace dispatcher::core::redrive
