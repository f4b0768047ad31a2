#include "core/operator/sweep_plan.h"

#include <gtest/gtest.h>

namespace dispatcher::core::operator_tools {
namespace {

using std::chrono::milliseconds;

TEST(SweepAction, SkipsStoredHoldsAndRingsAggregatesBehindWithoutOne) {
  EXPECT_EQ(sweep_action(AggregateStatus{.condition = AggregateCondition::kBehind}),
            SweepAction::kRing);
  const dispatch::Hold hold{.version = 4, .reason = dispatch::HoldReason::kRefused};
  EXPECT_EQ(sweep_action(AggregateStatus{.condition = AggregateCondition::kHeld,
                                         .hold = hold,
                                         .hold_source = HoldSource::kStored}),
            SweepAction::kSkipHeld);
  // Only re-planning finds it: ringing lets the dispatcher store its own verdict.
  EXPECT_EQ(sweep_action(AggregateStatus{.condition = AggregateCondition::kHeld,
                                         .hold = hold,
                                         .hold_source = HoldSource::kDerived}),
            SweepAction::kRing);
  EXPECT_EQ(sweep_action(AggregateStatus{.condition = AggregateCondition::kUpToDate}),
            SweepAction::kNone);
}

TEST(SweepTrigger, ChangesWithTime) {
  const std::chrono::system_clock::time_point start{milliseconds(1700000000000)};
  EXPECT_EQ(sweep_trigger(start), "sweep:2023-11-14T22:13:20.000Z");
  EXPECT_NE(sweep_trigger(start), sweep_trigger(start + milliseconds(1)));
}

TEST(RatePacer, SpacesActionsWithoutBurstingAfterIdleTime) {
  RatePacer pacer(4.0);  // 250 ms apart
  const std::chrono::steady_clock::time_point start{};
  EXPECT_EQ(pacer.take(start), std::chrono::steady_clock::duration::zero());
  EXPECT_EQ(pacer.take(start), milliseconds(250));
  EXPECT_EQ(pacer.take(start + milliseconds(100)), milliseconds(400));
  // Idle for a long time: the next is due at once, the one after waits a full interval again.
  EXPECT_EQ(pacer.take(start + milliseconds(10000)), std::chrono::steady_clock::duration::zero());
  EXPECT_EQ(pacer.take(start + milliseconds(10000)), milliseconds(250));
}

TEST(ScanProgress, RoundTripsThroughTheResumeToken) {
  auto progress = ScanProgress::start("events", 2);
  progress.segments[0].exclusive_start_key =
      dynamodb::Item{{"id", dynamodb::string_value("a")}, {"version", dynamodb::integer_value(3)}};
  progress.segments[0].pending = ScannedAggregate{.id = "a", .head_version = 3};
  progress.segments[1].done = true;
  const auto restored = scan_progress_from_json(scan_progress_to_json(progress));
  ASSERT_TRUE(restored.has_value()) << restored.error().describe();
  EXPECT_EQ(restored->table_name, "events");
  ASSERT_EQ(restored->segments.size(), 2U);
  EXPECT_EQ(restored->segments[0].exclusive_start_key, progress.segments[0].exclusive_start_key);
  ASSERT_TRUE(restored->segments[0].pending.has_value());
  EXPECT_EQ(restored->segments[0].pending->head_version, 3);
  EXPECT_TRUE(restored->segments[1].done);
  EXPECT_FALSE(restored->done());
}

TEST(ScanProgress, RefusesATokenOfAnotherShape) {
  const auto restored = scan_progress_from_json(nlohmann::json{{"segments", 3}});
  ASSERT_FALSE(restored.has_value());
  EXPECT_EQ(restored.error().code, "InvalidResumeToken");
}

}  // namespace
}  // namespace dispatcher::core::operator_tools
