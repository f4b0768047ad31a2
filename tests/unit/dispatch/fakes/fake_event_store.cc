#include "fakes/fake_event_store.h"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <tuple>

#include "core/result.h"

namespace dispatcher::fakes {
namespace {

using core::retryable_error;
using core::Status;

/// How many of `count` entries a crash at `point` lets happen.
std::size_t entries_done_before_crash(CrashPoint point, std::size_t count, Faults& faults) {
  switch (point) {
    case CrashPoint::kNone:
    case CrashPoint::kAfter:
      return count;
    case CrashPoint::kBefore:
      return 0;
    case CrashPoint::kMidway:
      return faults.pick(count + 1);
  }
  return count;
}

core::Error with_dynamodb(core::Error error) {
  error.service = "dynamodb";
  return error;
}

core::Error injected_error(const Faults::Decision& decision) {
  if (decision.error.has_value()) {
    return *decision.error;
  }
  if (decision.fault == EntryFault::kPermanent) {
    return with_dynamodb(core::permanent_error("ValidationException", "injected permanent fault"));
  }
  return with_dynamodb(
      decision.fault == EntryFault::kTransient
          ? retryable_error("ProvisionedThroughputExceededException",
                            "injected: throttled, unprocessed after retries")
          : retryable_error("RequestTimeout", "injected: timed out after the write was done"));
}

core::Error deadline_error() {
  return with_dynamodb(
      retryable_error("RequestTimeout", "the call's deadline passed before DynamoDB answered"));
}

/// Whether an entry of a write is done (not only attempted).
bool is_done(EntryFault fault) {
  return fault != EntryFault::kTransient && fault != EntryFault::kPermanent;
}

}  // namespace

bool put_marker(FakeDynamoDb& table, const dispatch::MarkerWrite& marker) {
  return table.put_item(
      dynamodb::Item{{"id", dynamodb::string_value(marker.aggregate_id)},
                     {"version", dynamodb::integer_value(dispatch::kMarkerVersion)},
                     {"trigger", dynamodb::string_value(marker.trigger)}});
}

bool FakeEventStore::enter_call(PortCall call, core::Deadline deadline) {
  if (before_call) {
    before_call();
  }
  return spend_latency(clock_, faults_, call, deadline, recorded_);
}

std::vector<Status> FakeEventStore::write_markers(std::span<const dispatch::MarkerWrite> markers,
                                                  core::Deadline deadline) {
  const bool timed_out = enter_call(PortCall::kWriteMarkers, deadline);
  ++calls_.write_markers;
  const CrashPoint crash = faults_.crash_point(PortCall::kWriteMarkers);
  const std::size_t done = entries_done_before_crash(crash, markers.size(), faults_);
  std::vector<Status> statuses;
  for (std::size_t index = 0; index < markers.size(); ++index) {
    if (index == done && crash != CrashPoint::kNone) {
      throw SimulatedCrash();
    }
    marker_writes_.push_back(markers[index]);
    if (timed_out) {
      // Some writes landed before the deadline, others not; none was confirmed.
      if (faults_.chance(0.5)) {
        put_marker(table_, markers[index]);
      }
      statuses.emplace_back(core::fail(deadline_error()));
      continue;
    }
    const Faults::Decision decision =
        faults_.entry_fault(PortCall::kWriteMarkers, markers[index].aggregate_id);
    if (is_done(decision.fault)) {
      put_marker(table_, markers[index]);
    }
    statuses.push_back(decision.fault == EntryFault::kNone ? Status{}
                                                           : core::fail(injected_error(decision)));
  }
  if (crash != CrashPoint::kNone) {
    throw SimulatedCrash();
  }
  return statuses;
}

std::vector<core::Result<dispatch::OffsetState>> FakeEventStore::read_offsets(
    std::span<const dispatch::AggregateId> aggregate_ids, core::Deadline deadline) {
  const bool timed_out = enter_call(PortCall::kReadOffsets, deadline);
  ++calls_.read_offsets;
  if (faults_.crash_point(PortCall::kReadOffsets) != CrashPoint::kNone) {
    throw SimulatedCrash();  // a read has no effect to leave half done
  }
  std::vector<core::Result<dispatch::OffsetState>> offsets;
  for (const dispatch::AggregateId& aggregate_id : aggregate_ids) {
    if (timed_out) {
      offsets.emplace_back(core::fail(deadline_error()));
      continue;
    }
    const Faults::Decision decision = faults_.entry_fault(PortCall::kReadOffsets, aggregate_id);
    if (decision.fault != EntryFault::kNone) {
      offsets.emplace_back(core::fail(injected_error(decision)));
      continue;
    }
    offsets.push_back(table_.read_offset(aggregate_id));
  }
  return offsets;
}

std::vector<core::Result<dispatch::EventPage>> FakeEventStore::read_events(
    std::span<const dispatch::EventQuery> queries, dispatch::ReadBudget budget,
    core::Deadline deadline) {
  const bool timed_out = enter_call(PortCall::kReadEvents, deadline);
  ++calls_.read_events;
  read_budgets_.push_back(budget);
  if (faults_.crash_point(PortCall::kReadEvents) != CrashPoint::kNone) {
    throw SimulatedCrash();
  }
  const std::size_t count = queries.size();
  std::vector<dispatch::EventPage> results(count);
  std::vector<std::optional<core::Error>> errors(count);
  std::vector<std::int64_t> after(count);
  std::vector<std::size_t> pages_read(count, 0);
  std::vector<std::size_t> pending;
  for (std::size_t i = 0; i < count; ++i) {
    after[i] = queries[i].after_version;
    if (timed_out) {
      errors[i] = deadline_error();
      continue;
    }
    const Faults::Decision decision =
        faults_.entry_fault(PortCall::kReadEvents, queries[i].aggregate_id);
    if (decision.fault != EntryFault::kNone) {
      errors[i] = injected_error(decision);
    } else if (queries[i].max_events > 0) {
      pending.push_back(i);
    }
  }

  // As DynamoDbClient::query_pages: each round sends the pages the budget can afford (a page
  // reserved per request in flight); an aggregate stops at its share of the budget; requests the
  // budget cannot afford come back over_budget.
  const bool budgeted = budget.max_bytes > 0;
  const std::size_t share =
      budgeted && count > 0 ? std::max<std::size_t>(budget.max_bytes / count, 1) : 0;
  std::size_t retained = 0;
  while (!pending.empty()) {
    std::vector<std::size_t> sending;
    std::vector<std::size_t> waiting;
    std::size_t reserved = 0;
    for (const std::size_t i : pending) {
      const bool affordable = !budgeted || retained + reserved + page_bytes_ <= budget.max_bytes ||
                              (retained == 0 && reserved == 0);
      (affordable ? sending : waiting).push_back(i);
      if (affordable) {
        reserved += page_bytes_;
      }
    }
    if (sending.empty()) {
      for (const std::size_t i : waiting) {
        results[i].over_budget = true;
        results[i].more_available = true;
      }
      break;
    }
    std::vector<std::size_t> unfinished = std::move(waiting);
    for (const std::size_t i : sending) {
      const dispatch::AggregateId& aggregate_id = queries[i].aggregate_id;
      if (faults_.undecodable_page(aggregate_id)) {
        errors[i] = with_dynamodb(core::permanent_error(
            "InvalidAttributeValue", "injected: an item of the page cannot be decoded"));
        continue;
      }
      dispatch::EventPage& result = results[i];
      dispatch::EventPage page = table_.query_page(
          aggregate_id, after[i], queries[i].max_events - result.items.size(), page_bytes_);
      ++pages_read[i];
      result.bytes += page.bytes;
      retained += page.bytes;
      if (!page.items.empty()) {
        after[i] = *dynamodb::integer_attribute(page.items.back(), "version");
      }
      std::ranges::move(page.items, std::back_inserter(result.items));
      if (page.more_available && result.items.size() < queries[i].max_events) {
        if (budgeted && result.bytes >= share) {
          result.over_budget = true;
          result.more_available = true;
        } else {
          unfinished.push_back(i);
        }
      } else {
        result.more_available = page.more_available;
      }
    }
    std::ranges::sort(unfinished, [&](std::size_t left, std::size_t right) {
      const bool left_started = pages_read[left] > 0;
      const bool right_started = pages_read[right] > 0;
      return left_started != right_started ? left_started : left < right;
    });
    pending = std::move(unfinished);
  }

  std::vector<core::Result<dispatch::EventPage>> pages;
  pages.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (errors[i].has_value()) {
      pages.emplace_back(core::fail(std::move(*errors[i])));
    } else {
      pages.emplace_back(std::move(results[i]));
    }
  }
  return pages;
}

core::Result<dispatch::CommitOutcome> FakeEventStore::apply(const dispatch::OffsetCommit& commit) {
  const std::optional<std::int64_t> stored_before = table_.offset(commit.aggregate_id);
  const auto now_milliseconds =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.wall_now().time_since_epoch())
          .count();
  const dispatch::CommitOutcome outcome = table_.apply_commit(commit, now_milliseconds);
  if (commit.version.has_value() && on_offset_write) {
    on_offset_write(commit, stored_before);  // a lost race too: the checker judges it
  }
  return outcome;
}

std::vector<core::Result<dispatch::CommitOutcome>> FakeEventStore::commit_offsets(
    std::span<const dispatch::OffsetCommit> commits, core::Deadline deadline) {
  const bool timed_out = enter_call(PortCall::kCommitOffsets, deadline);
  ++calls_.commit_offsets;
  const CrashPoint crash = faults_.crash_point(PortCall::kCommitOffsets);
  const std::size_t done = entries_done_before_crash(crash, commits.size(), faults_);
  std::vector<core::Result<dispatch::CommitOutcome>> outcomes;
  for (std::size_t index = 0; index < commits.size(); ++index) {
    if (index == done && crash != CrashPoint::kNone) {
      throw SimulatedCrash();
    }
    commits_.push_back(commits[index]);
    if (timed_out) {
      if (faults_.chance(0.5)) {
        std::ignore = apply(commits[index]);
      }
      outcomes.emplace_back(core::fail(deadline_error()));
      continue;
    }
    const Faults::Decision decision =
        faults_.entry_fault(PortCall::kCommitOffsets, commits[index].aggregate_id);
    if (!is_done(decision.fault)) {
      outcomes.emplace_back(core::fail(injected_error(decision)));
      continue;
    }
    auto outcome = apply(commits[index]);
    if (decision.fault == EntryFault::kNone) {
      outcomes.push_back(std::move(outcome));
    } else {
      outcomes.emplace_back(core::fail(injected_error(decision)));
    }
  }
  if (crash != CrashPoint::kNone) {
    throw SimulatedCrash();
  }
  return outcomes;
}

}  // namespace dispatcher::fakes
