#include "core/dispatch/contiguous_run.h"

#include <limits>
#include <vector>

#include <gtest/gtest.h>

namespace dispatcher::core::dispatch {
namespace {

ContiguousRun run_of(std::optional<std::int64_t> offset, std::vector<std::int64_t> versions,
                     std::int64_t first_event_version = 0) {
  return find_contiguous_run(offset, first_event_version, versions);
}

TEST(ContiguousRun, AbsentOffsetStartsAtVersionZero) {
  const ContiguousRun run = run_of(std::nullopt, {0, 1, 2});
  EXPECT_EQ(run.first_version, 0);
  EXPECT_EQ(run.length, 3U);
  EXPECT_EQ(run.end, RunEnd::kEndOfInput);
  EXPECT_EQ(run.last_version(), 2);
}

TEST(ContiguousRun, AbsentOffsetStartsAtConfiguredFirstVersion) {
  const ContiguousRun run = run_of(std::nullopt, {1, 2}, /*first_event_version=*/1);
  EXPECT_EQ(run.first_version, 1);
  EXPECT_EQ(run.length, 2U);
}

TEST(ContiguousRun, AbsentOffsetDoesNotSkipAMissingVersionZero) {
  const ContiguousRun run = run_of(std::nullopt, {1, 2});
  EXPECT_EQ(run.length, 0U);
  EXPECT_EQ(run.end, RunEnd::kGap);
  EXPECT_EQ(run.next_version(), 0);
  EXPECT_EQ(run.found_version, 1);
}

TEST(ContiguousRun, ContinuesAfterTheCommittedOffset) {
  const ContiguousRun run = run_of(4, {5, 6, 7});
  EXPECT_EQ(run.first_version, 5);
  EXPECT_EQ(run.length, 3U);
  EXPECT_EQ(run.last_version(), 7);
}

TEST(ContiguousRun, HoldsAggregateAtFirstMissingVersion) {
  const ContiguousRun run = run_of(4, {5, 6, 8, 9});
  EXPECT_EQ(run.length, 2U);
  EXPECT_EQ(run.end, RunEnd::kGap);
  EXPECT_EQ(run.next_version(), 7);
  EXPECT_EQ(run.found_version, 8);
  EXPECT_EQ(run.last_version(), 6);
}

TEST(ContiguousRun, GapRightAfterOffsetPublishesNothing) {
  const ContiguousRun run = run_of(4, {6});
  EXPECT_EQ(run.length, 0U);
  EXPECT_EQ(run.end, RunEnd::kGap);
  EXPECT_EQ(run.next_version(), 5);
  EXPECT_EQ(run.last_version(), std::nullopt);
}

TEST(ContiguousRun, EmptyPageIsAnEmptyRun) {
  const ContiguousRun run = run_of(4, {});
  EXPECT_EQ(run.length, 0U);
  EXPECT_EQ(run.end, RunEnd::kEndOfInput);
  EXPECT_EQ(run.next_version(), 5);
}

TEST(ContiguousRun, TreatsRepeatedVersionAsOutOfOrder) {
  const ContiguousRun run = run_of(4, {5, 6, 6, 7});
  EXPECT_EQ(run.length, 2U);
  EXPECT_EQ(run.end, RunEnd::kOutOfOrder);
  EXPECT_EQ(run.found_version, 6);
}

TEST(ContiguousRun, TreatsVersionAtOrBelowOffsetAsOutOfOrder) {
  const ContiguousRun run = run_of(4, {4, 5});
  EXPECT_EQ(run.length, 0U);
  EXPECT_EQ(run.end, RunEnd::kOutOfOrder);
  EXPECT_EQ(run.found_version, 4);
}

TEST(ContiguousRun, NeverOverflowsAtTheLargestVersion) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  const ContiguousRun after_max = run_of(kMax, {kMax});
  EXPECT_EQ(after_max.length, 0U);
  EXPECT_EQ(after_max.end, RunEnd::kOutOfOrder);
  const ContiguousRun up_to_max = run_of(kMax - 2, {kMax - 1, kMax});
  EXPECT_EQ(up_to_max.length, 1U);
  EXPECT_EQ(up_to_max.end, RunEnd::kOutOfOrder);
}

}  // namespace
}  // namespace dispatcher::core::dispatch
