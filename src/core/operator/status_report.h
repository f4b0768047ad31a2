#pragma once

// How `bootstrap status` presents aggregates: the most-behind selection, the summary, a text table
// for people and JSON for scripts.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/operator/aggregate_status.h"

namespace dispatcher::core::operator_tools {

struct StatusSummary {
  std::size_t aggregates = 0;
  std::size_t up_to_date = 0;
  std::size_t behind = 0;
  std::size_t held_gap = 0;
  std::size_t held_poison = 0;
  std::size_t held_refused = 0;
  std::size_t held_corrupt = 0;
  std::size_t held_stored = 0;  ///< of the held, how many the dispatcher stored
  std::int64_t total_lag = 0;

  [[nodiscard]] std::size_t held() const noexcept {
    return held_gap + held_poison + held_refused + held_corrupt;
  }
  [[nodiscard]] std::size_t held_derived() const noexcept { return held() - held_stored; }
};

[[nodiscard]] StatusSummary summarize(std::span<const AggregateStatus> statuses);

/// Orders aggregates for attention: held first, then by lag (largest first), then by id; keeps the
/// first `top` (0: all).
[[nodiscard]] std::vector<AggregateStatus> most_behind(std::vector<AggregateStatus> statuses,
                                                       std::size_t top);

/// One line: "aggregates 40: 35 up to date, 3 behind, 2 held (1 gap, 1 poison, 0 refused,
/// 0 corrupt; 1 stored, 1 derived); total lag 12".
[[nodiscard]] std::string summary_line(const StatusSummary& summary);

/// A fixed-width table, one row per aggregate (AGGREGATE HEAD OFFSET LAG STATE HELD-AT REASON
/// SOURCE HELD-SINCE LAST-DISPATCH MARKER), each line ending in '\n'. "-" for values that are not
/// there; OFFSET "unreadable" for an unreadable offsets item, HELD-AT "?" for its hold.
[[nodiscard]] std::string status_table(std::span<const AggregateStatus> statuses);

/// The line under the table for a held aggregate: "<id>: held at version N (refused; stored by
/// the dispatcher, held since <ISO>): <detail>" or "<id>: would hold at version N (gap; derived by
/// re-planning, not stored by the dispatcher yet): <detail>"; an unreadable offsets item says so
/// and how to release it. Empty for an aggregate that is not held.
[[nodiscard]] std::string hold_line(const AggregateStatus& status);

/// {"id", "head_version", "offset", "offset_problem": text | null, "lag", "state",
///  "hold": {"version","reason","detail","held_since": ISO | null,"source": "stored"|"derived"}
///  | null, "last_dispatched_at": ISO text | null, "marker_trigger": text | null}
[[nodiscard]] nlohmann::json status_json(const AggregateStatus& status);

/// {"aggregates": [...status_json...], "summary": {"aggregates", "up_to_date", "behind", "held",
///  "held_gap", "held_poison", "held_refused", "held_corrupt", "held_stored", "held_derived",
///  "total_lag"}}
[[nodiscard]] nlohmann::json status_document(std::span<const AggregateStatus> statuses,
                                             const StatusSummary& summary);

}  // namespace dispatcher::core::operator_tools
