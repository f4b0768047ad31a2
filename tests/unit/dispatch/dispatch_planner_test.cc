#include "core/dispatch/dispatch_planner.h"

#include <gtest/gtest.h>

namespace dispatcher::core::dispatch {
namespace {

StreamRecord record(std::string sequence_number, std::string aggregate_id, std::int64_t version) {
  return StreamRecord{.sequence_number = std::move(sequence_number),
                      .aggregate_id = std::move(aggregate_id),
                      .version = version};
}

TEST(DispatchPlanner, DispatchesEachAggregateWhoseDoorbellRangOnce) {
  const std::vector<StreamRecord> records = {
      record("100", "Order:a", kMarkerVersion), record("101", "Order:b", kMarkerVersion),
      record("102", "Order:a", kMarkerVersion), record("103", "Order:c", 3)};
  const DispatchPlan plan = plan_dispatch(records);
  EXPECT_EQ(plan.dispatches, (std::vector<PlannedDispatch>{{.aggregate_id = "Order:a",
                                                            .lowest_sequence_number = "100",
                                                            .highest_sequence_number = "102"},
                                                           {.aggregate_id = "Order:b",
                                                            .lowest_sequence_number = "101",
                                                            .highest_sequence_number = "101"}}));
}

TEST(DispatchPlanner, RemembersLowestMarkerSequenceNumberComparedNumerically) {
  const std::vector<StreamRecord> records = {record("100", "Order:a", kMarkerVersion),
                                             record("99", "Order:a", kMarkerVersion),
                                             record("1000", "Order:a", kMarkerVersion)};
  const DispatchPlan plan = plan_dispatch(records);
  ASSERT_EQ(plan.dispatches.size(), 1U);
  EXPECT_EQ(plan.dispatches[0].lowest_sequence_number, "99");
  EXPECT_EQ(plan.dispatches[0].highest_sequence_number, "1000");
}

TEST(DispatchPlanner, IgnoresEventsAndUnknownNegativeVersions) {
  const std::vector<StreamRecord> records = {record("1", "Order:a", 0), record("2", "Order:b", -1),
                                             record("3", "Order:c", -1000)};
  EXPECT_TRUE(plan_dispatch(records).dispatches.empty());
}

}  // namespace
}  // namespace dispatcher::core::dispatch
