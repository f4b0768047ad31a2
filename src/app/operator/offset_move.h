#pragma once

// What a replay and a release both do once the operator has decided: update the offsets item (the
// offset set, the stored hold cleared, stamped with who and when, on the caller's condition), log
// the audit line, and ring the aggregate's doorbell.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "adapters/dynamodb/dynamodb_client.h"
#include "app/operator/operator_commands.h"
#include "app/operator/operator_context.h"
#include "core/result.h"

namespace dispatcher::app::operator_tools {

/// The offsets item attribute naming the release that wrote it.
inline constexpr std::string_view kReleaseIdAttribute = "release_id";

/// One replay's or release's change of an aggregate's offsets item.
struct OffsetMove {
  std::string_view action;  ///< "replay" or "release": the audit line's action, the trigger's
  std::string_view stamp;   ///< "replayed" or "released": names <stamp>_at and <stamp>_by
  std::string aggregate_id;
  std::int64_t new_offset = 0;
  std::string by;                         ///< operator_identity()
  std::string at;                         ///< when the operator decided (UTC)
  std::optional<std::string> release_id;  ///< also written, as kReleaseIdAttribute
};

/// The UpdateItem of `move`: SET the offset and the stamps (and the release id), REMOVE the stored
/// hold. The caller adds the condition.
[[nodiscard]] adapters::dynamodb::UpdateItemRequest offset_move_request(
    const OperatorContext& context, const OffsetMove& move);

/// Conditions `request` on the offset being `expected` (absent when nullopt), as it was read.
void condition_on_offset(adapters::dynamodb::UpdateItemRequest& request,
                         std::optional<std::int64_t> expected);

/// What apply_offset_move did.
struct MoveOutcome {
  bool applied = false;  ///< false: the condition failed; nothing was logged or rung
  std::string trigger;   ///< the doorbell's trigger, when applied
  core::Status rung;     ///< whether the doorbell rang, when applied
};

/// Update, audit, ring: writes `request`; once it applied, logs the audit line (`audit_fields` and
/// action, aggregate, to_offset, by, at, trigger) and rings the doorbell. With
/// `retry_lost_answer`, a retryable error is said on standard error and the same write tried once
/// more (for a write the caller recognises as done when the condition then fails). Error: the
/// write's.
[[nodiscard]] core::Result<MoveOutcome> apply_offset_move(
    OperatorContext& context, Console& console, const OffsetMove& move,
    const adapters::dynamodb::UpdateItemRequest& request, nlohmann::json audit_fields,
    bool retry_lost_answer);

}  // namespace dispatcher::app::operator_tools
