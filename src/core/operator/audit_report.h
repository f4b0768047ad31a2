#pragma once

// `bootstrap audit`'s report of what the ledger found: the table, the JSON documents and the
// summary line.

#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "core/operator/audit_ledger.h"

namespace dispatcher::core::operator_tools {

/// The fixed-width table of the aggregates given (AGGREGATE STORE OFFSET KAFKA PARTITION VERDICT),
/// each line ending in '\n'.
[[nodiscard]] std::string audit_table(std::span<const AggregateFindings> findings,
                                      bool allow_pending);

/// One aggregate as JSON: {"id", "store": {"versions", "first", "last", "holes"}, "offset",
/// "offset_unreadable", "kafka": {"messages", "versions", "first", "last", "partition"}, "judged",
/// "lost", "pending", "unknown" (lists of [first, last]), "uncommitted", "out_of_order",
/// "resent", "non_suffix_duplicates", "wrong_key", "other_partition", "problems" (lines),
/// "ok"}.
[[nodiscard]] nlohmann::json findings_json(const AggregateFindings& findings, bool allow_pending);
[[nodiscard]] nlohmann::json summary_json(const AuditSummary& summary);

/// "audited 40 aggregates (277 events in the store, 280 messages in Kafka): 40 complete and in
/// order, 0 with problems; lost 0, pending 0, out of order 0, ..., re-sent (suffix duplicates) 3".
[[nodiscard]] std::string audit_summary_line(const AuditSummary& summary);

}  // namespace dispatcher::core::operator_tools
