#pragma once

// `bootstrap audit`'s reads of the tables: the committed offsets and the versions in the store,
// page by page (a parallel Scan of each table, or one aggregate's item and Query), into the
// ledger that compares them with the topic.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "app/operator/audit_progress.h"
#include "app/operator/operator_context.h"
#include "core/operator/audit_ledger.h"
#include "core/result.h"

namespace dispatcher::app::operator_tools {

/// The committed offset of `only`, or of every aggregate of the offsets table (parallel Scan in
/// `segments`, `page_size` items a page), recorded in `ledger`; an unreadable one as unreadable.
/// Error: the first DynamoDB error, or an item that cannot be decoded.
[[nodiscard]] core::Status read_offsets(OperatorContext& context,
                                        const std::optional<std::string>& only,
                                        std::size_t segments, std::optional<std::int64_t> page_size,
                                        core::operator_tools::AuditLedger& ledger);

/// The versions in the events table of `only` (Query), or of every aggregate (parallel Scan, keys
/// only), recorded in `ledger`, with progress. Error: as read_offsets.
[[nodiscard]] core::Status read_store(OperatorContext& context,
                                      const std::optional<std::string>& only, std::size_t segments,
                                      std::optional<std::int64_t> page_size,
                                      core::operator_tools::AuditLedger& ledger,
                                      AuditProgress& progress);

}  // namespace dispatcher::app::operator_tools
