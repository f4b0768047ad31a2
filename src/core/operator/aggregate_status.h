#pragma once

// What the operator commands know about one aggregate, and how they decide it. The dispatcher's
// own verdict comes first: the hold it stored in the offsets item (core/dispatch/offset_item.h).
// Only an aggregate without a stored hold is re-planned, with the same RunPlanner the dispatcher
// uses, as a second opinion ("derived": what the dispatcher would decide if its doorbell rang).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/dispatch/dispatcher.h"
#include "core/dispatch/offset_item.h"
#include "core/dispatch/ports.h"
#include "core/dispatch/run_planner.h"
#include "core/dynamodb/attribute_value.h"

namespace dispatcher::core::operator_tools {

/// True for the standalone runner's own state items (core/runner/state_keys.h): not aggregates.
[[nodiscard]] bool is_reserved_id(std::string_view aggregate_id) noexcept;

/// What a Scan of the events table says about one aggregate.
struct ScannedAggregate {
  dispatch::AggregateId id;
  std::optional<std::int64_t> head_version;   ///< highest version >= 0; nullopt: no event yet
  std::optional<std::string> marker_trigger;  ///< the change marker's trigger, when there is one
};

/// The offsets table's item of one aggregate as the operator read it.
struct OffsetRecord {
  dispatch::OffsetState state;  ///< empty when there is no item, or when it is unreadable
  /// Set when the item is unreadable (dispatch::parse_offset_item's error, never a value): the
  /// aggregate is held/corrupt. `state.hold` may then still carry the corrupt hold the dispatcher
  /// stored on it (hold_version -1).
  std::optional<std::string> problem;
};

/// Reads an offsets item (nullopt: there is none) through dispatch::parse_offset_item, the
/// dispatcher's own codec. Never fails: an unreadable item is an OffsetRecord with a problem.
[[nodiscard]] OffsetRecord read_offset_record(const std::optional<dynamodb::Item>& item);

enum class AggregateCondition : unsigned char {
  kUpToDate,  ///< every event is dispatched
  kBehind,    ///< events wait, and the dispatcher would publish the next one (doorbell pending)
  kHeld       ///< stopped before a version on purpose (gap, poison, refused, corrupt)
};

[[nodiscard]] std::string_view condition_name(AggregateCondition condition) noexcept;

/// Where a hold shown by the operator commands comes from.
enum class HoldSource : unsigned char {
  kStored,   ///< the dispatcher stored it in the offsets item: its own verdict
  kDerived,  ///< re-planned by the operator command; the dispatcher has not stored it (yet)
};

[[nodiscard]] std::string_view hold_source_name(HoldSource source) noexcept;

struct AggregateStatus {
  dispatch::AggregateId id;
  std::optional<std::int64_t> head_version;
  std::optional<std::int64_t> offset;
  std::int64_t lag = 0;  ///< events between the offset and the head (head - offset)
  AggregateCondition condition = AggregateCondition::kUpToDate;
  std::optional<dispatch::Hold> hold;                   ///< set when condition is kHeld
  HoldSource hold_source = HoldSource::kDerived;        ///< where `hold` comes from, when set
  std::optional<std::int64_t> held_since_milliseconds;  ///< a stored hold's start (epoch ms)
  /// The offsets item is unreadable (then `offset` is nullopt, lag 0, and the hold is corrupt).
  std::optional<std::string> offset_problem;
  /// When the aggregate last moved (the offset's commit time); a held aggregate is held since then
  /// at the latest.
  std::optional<std::int64_t> last_dispatched_milliseconds;
  std::optional<std::string> marker_trigger;
};

/// Folds Scan pages into aggregates. A Scan returns one partition's items together and in version
/// order, but a page may end inside a partition: the last aggregate of a page is kept back until a
/// later page (or the end) shows it is complete, so its head version is never understated.
class ScanFold {
 public:
  /// `pending`: the aggregate a previous run kept back (from a resume token), if any.
  explicit ScanFold(std::optional<ScannedAggregate> pending = std::nullopt)
      : pending_(std::move(pending)) {}

  /// Adds one page of items (id S, version N, optional trigger S); returns the aggregates known to
  /// be complete, in Scan order. Items whose id or version is unreadable, and reserved ids, are
  /// skipped. `last_page`: the Scan (segment) has ended, so nothing is kept back.
  [[nodiscard]] std::vector<ScannedAggregate> add_page(std::span<const dynamodb::Item> items,
                                                       bool last_page);

  /// The aggregate kept back (for a resume token: it is re-read from the page where it began).
  [[nodiscard]] const std::optional<ScannedAggregate>& pending() const noexcept { return pending_; }

 private:
  std::optional<ScannedAggregate> pending_;
};

/// Lag of an aggregate: head - offset, where no offset counts as first_event_version - 1 and no
/// head as nothing to dispatch (0). Never negative (an offset beyond the head reads as 0).
[[nodiscard]] std::int64_t lag(std::optional<std::int64_t> head_version,
                               std::optional<std::int64_t> offset,
                               std::int64_t first_event_version) noexcept;

/// True when assess() needs the events after the offset: a positive lag and neither a stored hold
/// nor an unreadable offsets item (those are decided by the offsets item alone).
[[nodiscard]] bool needs_events(const ScannedAggregate& scanned, const OffsetRecord& offset,
                                std::int64_t first_event_version) noexcept;

/// The status of one aggregate. An unreadable offsets item is held/corrupt (stored, when the
/// dispatcher stored that hold on it; derived otherwise). A stored hold is shown as stored, without
/// re-planning. Otherwise `events_after_offset` (version > offset, ascending, as the dispatcher's
/// Query reads them; only looked at when needs_events()) is re-planned with the dispatcher's
/// RunPlanner: a hold it finds is derived. An empty page with a positive lag means the events went
/// away since the Scan: up to date, lag 0. A page that does not reach the head still decides: the
/// planner only needs the first events after the offset. Versions out of order are a derived
/// corrupt hold where the valid prefix ends, as the dispatcher holds them.
[[nodiscard]] AggregateStatus assess(const ScannedAggregate& scanned, const OffsetRecord& offset,
                                     std::span<const dynamodb::Item> events_after_offset,
                                     const dispatch::RunPlanner& planner);

/// As assess(), when the Query of the events after the offset failed with a permanent error
/// about the aggregate's data (dispatch::failure_scope says kHoldAggregate): a derived corrupt
/// hold at the next version, its detail the error (described, never a value).
[[nodiscard]] AggregateStatus assess_unreadable_events(const ScannedAggregate& scanned,
                                                       const OffsetRecord& offset,
                                                       const Error& error,
                                                       std::int64_t first_event_version);

}  // namespace dispatcher::core::operator_tools
