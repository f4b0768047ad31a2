#include "fakes/fake_event_store.h"

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

core::Error injected_error(EntryFault fault) {
  if (fault == EntryFault::kPermanent) {
    return core::permanent_error("ValidationException", "injected permanent fault");
  }
  return fault == EntryFault::kTransient
             ? retryable_error("ProvisionedThroughputExceededException",
                               "injected: throttled, unprocessed after retries")
             : retryable_error("RequestTimeout", "injected: timed out after the write was done");
}

}  // namespace

bool put_marker(FakeDynamoDb& table, const dispatch::MarkerWrite& marker) {
  return table.put_item(
      dynamodb::Item{{"id", dynamodb::string_value(marker.aggregate_id)},
                     {"version", dynamodb::integer_value(dispatch::kMarkerVersion)},
                     {"trigger", dynamodb::string_value(marker.trigger)}});
}

void FakeEventStore::enter_call() {
  if (before_call) {
    before_call();
  }
  clock_.advance(faults_.latency());
}

std::vector<Status> FakeEventStore::write_markers(std::span<const dispatch::MarkerWrite> markers,
                                                  core::Deadline /*deadline*/) {
  enter_call();
  ++calls_.write_markers;
  const CrashPoint crash = faults_.crash_point(PortCall::kWriteMarkers);
  const std::size_t done = entries_done_before_crash(crash, markers.size(), faults_);
  std::vector<Status> statuses;
  for (std::size_t index = 0; index < markers.size(); ++index) {
    if (index == done && crash != CrashPoint::kNone) {
      throw SimulatedCrash();
    }
    marker_writes_.push_back(markers[index]);
    const Faults::Decision decision =
        faults_.entry_fault(PortCall::kWriteMarkers, markers[index].aggregate_id);
    if (decision.fault != EntryFault::kTransient && decision.fault != EntryFault::kPermanent) {
      put_marker(table_, markers[index]);
    }
    statuses.push_back(decision.fault == EntryFault::kNone
                           ? Status{}
                           : core::fail(injected_error(decision.fault)));
  }
  if (crash != CrashPoint::kNone) {
    throw SimulatedCrash();
  }
  return statuses;
}

std::vector<core::Result<std::optional<std::int64_t>>> FakeEventStore::read_offsets(
    std::span<const dispatch::AggregateId> aggregate_ids, core::Deadline /*deadline*/) {
  enter_call();
  ++calls_.read_offsets;
  if (faults_.crash_point(PortCall::kReadOffsets) != CrashPoint::kNone) {
    throw SimulatedCrash();  // a read has no effect to leave half done
  }
  std::vector<core::Result<std::optional<std::int64_t>>> offsets;
  for (const dispatch::AggregateId& aggregate_id : aggregate_ids) {
    const Faults::Decision decision = faults_.entry_fault(PortCall::kReadOffsets, aggregate_id);
    if (decision.fault != EntryFault::kNone) {
      offsets.emplace_back(core::fail(injected_error(decision.fault)));
      continue;
    }
    offsets.emplace_back(table_.offset(aggregate_id));
  }
  return offsets;
}

std::vector<core::Result<dispatch::EventPage>> FakeEventStore::read_events(
    std::span<const dispatch::EventQuery> queries, core::Deadline /*deadline*/) {
  enter_call();
  ++calls_.read_events;
  if (faults_.crash_point(PortCall::kReadEvents) != CrashPoint::kNone) {
    throw SimulatedCrash();
  }
  std::vector<core::Result<dispatch::EventPage>> pages;
  for (const dispatch::EventQuery& query : queries) {
    const Faults::Decision decision =
        faults_.entry_fault(PortCall::kReadEvents, query.aggregate_id);
    if (decision.fault != EntryFault::kNone) {
      pages.emplace_back(core::fail(injected_error(decision.fault)));
      continue;
    }
    pages.emplace_back(table_.query(query.aggregate_id, query.after_version, query.max_events));
  }
  return pages;
}

std::vector<Status> FakeEventStore::commit_offsets(std::span<const dispatch::OffsetCommit> commits,
                                                   core::Deadline /*deadline*/) {
  enter_call();
  ++calls_.commit_offsets;
  const CrashPoint crash = faults_.crash_point(PortCall::kCommitOffsets);
  const std::size_t done = entries_done_before_crash(crash, commits.size(), faults_);
  std::vector<Status> statuses;
  for (std::size_t index = 0; index < commits.size(); ++index) {
    if (index == done && crash != CrashPoint::kNone) {
      throw SimulatedCrash();
    }
    const Faults::Decision decision =
        faults_.entry_fault(PortCall::kCommitOffsets, commits[index].aggregate_id);
    if (decision.fault != EntryFault::kTransient && decision.fault != EntryFault::kPermanent) {
      const std::optional<std::int64_t> stored_before = table_.offset(commits[index].aggregate_id);
      table_.commit_offset(commits[index].aggregate_id, commits[index].version);
      if (on_offset_write) {
        on_offset_write(commits[index], stored_before);
      }
    }
    statuses.push_back(decision.fault == EntryFault::kNone
                           ? Status{}
                           : core::fail(injected_error(decision.fault)));
  }
  if (crash != CrashPoint::kNone) {
    throw SimulatedCrash();
  }
  return statuses;
}

}  // namespace dispatcher::fakes
