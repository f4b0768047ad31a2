#pragma once

// What the operator commands know about one aggregate, and how they decide it: the same RunPlanner
// the dispatcher uses says whether the events after the committed offset can go out or are held.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/dispatch/dispatcher.h"
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

/// The offsets table's item of one aggregate.
struct OffsetRecord {
  std::optional<std::int64_t> version;  ///< last dispatched version; nullopt: nothing dispatched
  std::optional<std::int64_t> dispatched_at_milliseconds;  ///< epoch ms of the last commit
};

enum class AggregateCondition : unsigned char {
  kUpToDate,  ///< every event is dispatched
  kBehind,    ///< events wait, and the dispatcher would publish the next one (doorbell pending)
  kHeld       ///< the next event is missing (gap) or cannot become a message (poison)
};

[[nodiscard]] std::string_view condition_name(AggregateCondition condition) noexcept;

struct AggregateStatus {
  dispatch::AggregateId id;
  std::optional<std::int64_t> head_version;
  std::optional<std::int64_t> offset;
  std::int64_t lag = 0;  ///< events between the offset and the head (head - offset)
  AggregateCondition condition = AggregateCondition::kUpToDate;
  std::optional<dispatch::Hold> hold;  ///< set when condition is kHeld
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

/// The status of one aggregate. `events_after_offset`: the events with version > offset, ascending
/// (as the dispatcher's Query reads them); only looked at when the lag is positive, so callers may
/// leave it empty for aggregates that are up to date (an empty page with a positive lag means the
/// events went away since the Scan: up to date, lag 0). The hold decision is RunPlanner's, exactly
/// as the dispatcher would take it now. A page that does not reach the head (the head moved between
/// Scan and Query) still decides: the planner only needs the first events after the offset.
[[nodiscard]] AggregateStatus assess(const ScannedAggregate& scanned, const OffsetRecord& offset,
                                     std::span<const dynamodb::Item> events_after_offset,
                                     const dispatch::RunPlanner& planner);

}  // namespace dispatcher::core::operator_tools
