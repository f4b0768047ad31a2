#include "core/dispatch/marker_planner.h"

#include <gtest/gtest.h>

namespace dispatcher::core::dispatch {
namespace {

StreamRecord record(std::string sequence_number, std::string aggregate_id, std::int64_t version) {
  return StreamRecord{.sequence_number = std::move(sequence_number),
                      .aggregate_id = std::move(aggregate_id),
                      .version = version};
}

TEST(MarkerPlanner, WritesOneMarkerPerAggregateWithEvents) {
  const std::vector<StreamRecord> records = {
      record("100", "Order:a", 0), record("101", "Order:b", 0), record("102", "Order:a", 1),
      record("103", "Order:a", 2)};
  const MarkerPlan plan = plan_markers(records);
  ASSERT_EQ(plan.markers.size(), 2U);
  EXPECT_EQ(plan.markers[0].write.aggregate_id, "Order:a");
  EXPECT_EQ(plan.markers[1].write.aggregate_id, "Order:b");
  EXPECT_TRUE(plan.warnings.empty());
}

TEST(MarkerPlanner, TriggerIsNewestSequenceNumberComparedNumerically) {
  // "99" > "100" as text; a textual comparison would store an old trigger, and a later event
  // whose newest record is "99"-like again would write an unchanged marker.
  const std::vector<StreamRecord> records = {
      record("100", "Order:a", 1), record("99", "Order:a", 0), record("1000", "Order:b", 0),
      record("999", "Order:b", 1)};
  const MarkerPlan plan = plan_markers(records);
  ASSERT_EQ(plan.markers.size(), 2U);
  EXPECT_EQ(plan.markers[0].write.trigger, "100");
  EXPECT_EQ(plan.markers[1].write.trigger, "1000");
}

TEST(MarkerPlanner, RemembersLowestSequenceNumberForFailureReporting) {
  const std::vector<StreamRecord> records = {
      record("120", "Order:a", 2), record("99", "Order:a", 0), record("110", "Order:a", 1)};
  const MarkerPlan plan = plan_markers(records);
  ASSERT_EQ(plan.markers.size(), 1U);
  EXPECT_EQ(plan.markers[0].lowest_sequence_number, "99");
  EXPECT_EQ(plan.markers[0].write.trigger, "120");
}

TEST(MarkerPlanner, SkipsAggregatesWhoseMarkerIsInTheSameBatch) {
  // The marker record's dispatch queries the table after every record of the batch was written.
  const std::vector<StreamRecord> records = {
      record("100", "Order:a", 0), record("101", "Order:a", kMarkerVersion),
      record("102", "Order:a", 1), record("103", "Order:b", 0)};
  const MarkerPlan plan = plan_markers(records);
  ASSERT_EQ(plan.markers.size(), 1U);
  EXPECT_EQ(plan.markers[0].write.aggregate_id, "Order:b");
}

TEST(MarkerPlanner, SkipsEvenWhenTheMarkerRecordComesFirst) {
  const std::vector<StreamRecord> records = {record("90", "Order:a", kMarkerVersion),
                                             record("100", "Order:a", 5)};
  EXPECT_TRUE(plan_markers(records).markers.empty());
}

TEST(MarkerPlanner, MarkerRecordsAloneNeedNoMarker) {
  const std::vector<StreamRecord> records = {record("90", "Order:a", kMarkerVersion)};
  const MarkerPlan plan = plan_markers(records);
  EXPECT_TRUE(plan.markers.empty());
  EXPECT_TRUE(plan.warnings.empty());
}

TEST(MarkerPlanner, IgnoresOtherNegativeVersionsWithAWarning) {
  const std::vector<StreamRecord> records = {
      record("90", "Order:a", -1), record("91", "Order:b", -1002), record("92", "Order:c", 0)};
  const MarkerPlan plan = plan_markers(records);
  ASSERT_EQ(plan.markers.size(), 1U);
  EXPECT_EQ(plan.markers[0].write.aggregate_id, "Order:c");
  ASSERT_EQ(plan.warnings.size(), 2U);
  EXPECT_EQ(plan.warnings[0].code, "UnknownNegativeVersion");
  EXPECT_EQ(plan.warnings[0].sequence_number, "90");
  EXPECT_EQ(plan.warnings[1].sequence_number, "91");
}

TEST(MarkerPlanner, VersionZeroIsAnEvent) {
  const std::vector<StreamRecord> records = {record("1", "Order:a", 0)};
  ASSERT_EQ(plan_markers(records).markers.size(), 1U);
}

TEST(MarkerPlanner, EmptyBatchPlansNothing) {
  const MarkerPlan plan = plan_markers({});
  EXPECT_TRUE(plan.markers.empty());
  EXPECT_TRUE(plan.warnings.empty());
}

}  // namespace
}  // namespace dispatcher::core::dispatch
