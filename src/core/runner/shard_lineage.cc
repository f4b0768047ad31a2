#include "core/runner/shard_lineage.h"

#include <algorithm>
#include <map>
#include <utility>

namespace dispatcher::core::runner {

std::vector<ShardDescription> parents_first(std::vector<ShardDescription> shards) {
  std::map<std::string, std::size_t> index_of;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    index_of.emplace(shards[i].shard_id, i);
  }
  // Depth = number of listed ancestors; a stable sort by depth puts parents first.
  std::vector<std::size_t> depth(shards.size(), 0);
  for (std::size_t i = 0; i < shards.size(); ++i) {
    std::size_t steps = 0;
    const ShardDescription* current = &shards[i];
    while (current->parent_shard_id && steps <= shards.size()) {
      const auto parent = index_of.find(*current->parent_shard_id);
      if (parent == index_of.end()) {
        break;
      }
      current = &shards[parent->second];
      ++steps;
    }
    depth[i] = steps;
  }
  std::vector<std::size_t> order(shards.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  // By depth, then by listing order: a stable sort without std::stable_sort's temporary buffer.
  std::ranges::sort(order, [&depth](std::size_t left, std::size_t right) {
    return std::pair(depth[left], left) < std::pair(depth[right], right);
  });
  std::vector<ShardDescription> sorted;
  sorted.reserve(shards.size());
  for (const std::size_t i : order) {
    sorted.push_back(std::move(shards[i]));
  }
  return sorted;
}

bool may_read(const ShardDescription& shard, const std::vector<ShardDescription>& shards,
              const std::set<std::string>& finished) {
  if (!shard.parent_shard_id) {
    return true;
  }
  const bool parent_listed = std::ranges::any_of(shards, [&shard](const ShardDescription& other) {
    return other.shard_id == *shard.parent_shard_id;
  });
  return !parent_listed || finished.contains(*shard.parent_shard_id);
}

}  // namespace dispatcher::core::runner
