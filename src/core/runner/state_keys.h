#pragma once

#include <string>
#include <string_view>

namespace dispatcher::core::runner {

/// Every item the standalone runner writes to its state table (by default the offsets table) has
/// an `id` that starts with this prefix. No aggregate id may start with it; operator commands that
/// scan the offsets table (status, sweep) skip such items.
inline constexpr std::string_view kReservedIdPrefix = "#dispatcher-runner#";

/// The `id` of the one lease item per events table (the state table serves one events table).
inline constexpr std::string_view kLeaseId = "#dispatcher-runner#lease";

/// Prefix of the per-shard checkpoint items: "#dispatcher-runner#shard#<shardId>".
inline constexpr std::string_view kShardCheckpointIdPrefix = "#dispatcher-runner#shard#";

/// True when `id` belongs to the runner (lease or checkpoint), not to an aggregate.
[[nodiscard]] constexpr bool is_reserved_id(std::string_view id) noexcept {
  return id.starts_with(kReservedIdPrefix);
}

/// The `id` of the checkpoint item of one shard.
[[nodiscard]] inline std::string shard_checkpoint_id(std::string_view shard_id) {
  std::string id(kShardCheckpointIdPrefix);
  id.append(shard_id);
  return id;
}

}  // namespace dispatcher::core::runner
