#include "core/runner/shard_lineage.h"

#include <gtest/gtest.h>

namespace dispatcher::core::runner {
namespace {

ShardDescription shard(std::string id, std::optional<std::string> parent = std::nullopt) {
  return ShardDescription{.shard_id = std::move(id), .parent_shard_id = std::move(parent)};
}

std::vector<std::string> ids(const std::vector<ShardDescription>& shards) {
  std::vector<std::string> result;
  for (const auto& each : shards) {
    result.push_back(each.shard_id);
  }
  return result;
}

TEST(ShardLineage, ListsParentsBeforeTheirSplitChildren) {
  // DescribeStream may list children before parents; a split gives two children, and a child
  // may split again.
  const auto sorted = parents_first({shard("grandchild", "child-a"), shard("child-a", "root"),
                                     shard("child-b", "root"), shard("root"), shard("other")});
  EXPECT_EQ(ids(sorted),
            (std::vector<std::string>{"root", "other", "child-a", "child-b", "grandchild"}));
}

TEST(ShardLineage, TreatsAParentTrimmedFromTheListAsAbsent) {
  const auto sorted = parents_first({shard("child", "trimmed-parent"), shard("root")});
  EXPECT_EQ(ids(sorted), (std::vector<std::string>{"child", "root"}));
  EXPECT_TRUE(may_read(shard("child", "trimmed-parent"), sorted, {}));
}

TEST(ShardLineage, ReadsAChildOnlyAfterItsParentFinished) {
  const std::vector<ShardDescription> shards = {shard("root"), shard("child", "root")};
  EXPECT_TRUE(may_read(shards[0], shards, {}));
  EXPECT_FALSE(may_read(shards[1], shards, {}));
  EXPECT_FALSE(may_read(shards[1], shards, {"unrelated"}));
  EXPECT_TRUE(may_read(shards[1], shards, {"root"}));
}

}  // namespace
}  // namespace dispatcher::core::runner
