#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/runner/ports.h"

namespace dispatcher::core::runner {

/// The shards in an order where every parent comes before its children (parents that are not
/// listed, because the stream trimmed them, count as absent). Among unrelated shards the listed
/// order is kept. A cycle (never produced by DynamoDB) is broken by listing the rest as given.
[[nodiscard]] std::vector<ShardDescription> parents_first(std::vector<ShardDescription> shards);

/// Whether `shard` may be read now: its parent is absent from `shards` or in `finished` (closed
/// and every record of it dispatched). Reading a child earlier could publish a newer change of a
/// key before an older one still in the parent.
[[nodiscard]] bool may_read(const ShardDescription& shard,
                            const std::vector<ShardDescription>& shards,
                            const std::set<std::string>& finished);

}  // namespace dispatcher::core::runner
