// The operator's view of an aggregate: heads folded from Scan pages, lag, and the hold decision
// taken by the dispatcher's own planner.

#include "core/operator/aggregate_status.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/dispatch/dispatcher.h"
#include "core/runner/state_keys.h"

namespace dispatcher::core::operator_tools {
namespace {

using dynamodb::binary_value;
using dynamodb::integer_value;
using dynamodb::Item;
using dynamodb::string_value;

Item key(const std::string& id, std::int64_t version) {
  return Item{{"id", string_value(id)}, {"version", integer_value(version)}};
}

Item marker(const std::string& id, const std::string& trigger) {
  Item item = key(id, dispatch::kMarkerVersion);
  item["trigger"] = string_value(trigger);
  return item;
}

Item event(const std::string& id, std::int64_t version) {
  return Item{{"id", string_value(id)},
              {"version", integer_value(version)},
              {"streamType", string_value("Order")},
              {"streamId", string_value(id)},
              {"eventId", string_value(id + "-" + std::to_string(version))},
              {"data", binary_value("{}")},
              {"timestamp", integer_value(1700000000000)},
              {"eventType", string_value("Placed")}};
}

dispatch::RunPlanner planner() {
  return dispatch::make_run_planner(dispatch::DispatcherOptions{.topic = "events"});
}

TEST(ScanFold, KeepsBackTheLastAggregateOfAPageUntilItsEndIsSeen) {
  ScanFold fold;
  const std::vector<Item> first{marker("a", "seq-1"), key("a", 0), key("a", 1), key("b", 0)};
  const auto complete = fold.add_page(first, false);
  ASSERT_EQ(complete.size(), 1U);
  EXPECT_EQ(complete[0].id, "a");
  EXPECT_EQ(complete[0].head_version, 1);
  EXPECT_EQ(complete[0].marker_trigger, "seq-1");
  ASSERT_TRUE(fold.pending().has_value());
  EXPECT_EQ(fold.pending()->id, "b");

  const std::vector<Item> second{key("b", 1), key("b", 2)};
  EXPECT_TRUE(fold.add_page(second, false).empty());
  const auto last = fold.add_page({}, true);
  ASSERT_EQ(last.size(), 1U);
  EXPECT_EQ(last[0].id, "b");
  EXPECT_EQ(last[0].head_version, 2);
  EXPECT_FALSE(fold.pending().has_value());
}

TEST(ScanFold, SkipsRunnerStateItemsAndUnreadableKeys) {
  ScanFold fold;
  const std::vector<Item> page{key(std::string(runner::kLeaseId), 0),
                               Item{{"id", string_value("x")}}, key("c", 4)};
  const auto complete = fold.add_page(page, true);
  ASSERT_EQ(complete.size(), 1U);
  EXPECT_EQ(complete[0].id, "c");
}

TEST(ScanFold, AMarkerAloneHasNoHead) {
  ScanFold fold(ScannedAggregate{.id = "d", .head_version = 3});
  const std::vector<Item> page{marker("e", "t")};
  const auto complete = fold.add_page(page, true);
  ASSERT_EQ(complete.size(), 2U);
  EXPECT_EQ(complete[0].id, "d");
  EXPECT_EQ(complete[0].head_version, 3);
  EXPECT_FALSE(complete[1].head_version.has_value());
}

TEST(Lag, CountsFromTheFirstEventVersionWhenThereIsNoOffset) {
  EXPECT_EQ(lag(4, std::nullopt, 0), 5);
  EXPECT_EQ(lag(4, std::nullopt, 1), 4);
  EXPECT_EQ(lag(4, 2, 0), 2);
  EXPECT_EQ(lag(std::nullopt, std::nullopt, 0), 0);
  EXPECT_EQ(lag(2, 5, 0), 0);
}

TEST(Assess, UpToDateWhenTheOffsetIsTheHead) {
  const auto status = assess(ScannedAggregate{.id = "a", .head_version = 3},
                             OffsetRecord{.version = 3}, {}, planner());
  EXPECT_EQ(status.condition, AggregateCondition::kUpToDate);
  EXPECT_EQ(status.lag, 0);
  EXPECT_FALSE(status.hold.has_value());
}

TEST(Assess, BehindWhenTheNextEventIsThere) {
  const std::vector<Item> events{event("a", 4), event("a", 5)};
  const auto status =
      assess(ScannedAggregate{.id = "a", .head_version = 5},
             OffsetRecord{.version = 3, .dispatched_at_milliseconds = 42}, events, planner());
  EXPECT_EQ(status.condition, AggregateCondition::kBehind);
  EXPECT_EQ(status.lag, 2);
  EXPECT_EQ(status.last_dispatched_milliseconds, 42);
}

TEST(Assess, HeldAtTheFirstMissingVersion) {
  const std::vector<Item> events{event("a", 5), event("a", 6)};
  const auto status = assess(ScannedAggregate{.id = "a", .head_version = 6},
                             OffsetRecord{.version = 3}, events, planner());
  EXPECT_EQ(status.condition, AggregateCondition::kHeld);
  ASSERT_TRUE(status.hold.has_value());
  EXPECT_EQ(status.hold->version, 4);
  EXPECT_EQ(status.hold->reason, dispatch::HoldReason::kGap);
}

TEST(Assess, HeldAtVersionZeroWhenNothingWasDispatchedAndItIsMissing) {
  const std::vector<Item> events{event("a", 1)};
  const auto status =
      assess(ScannedAggregate{.id = "a", .head_version = 1}, OffsetRecord{}, events, planner());
  ASSERT_TRUE(status.hold.has_value());
  EXPECT_EQ(status.hold->version, 0);
}

TEST(Assess, HeldAtAPoisonEventUnderTheHoldPolicy) {
  Item broken = event("a", 4);
  broken.erase("data");
  const std::vector<Item> events{broken, event("a", 5)};
  const auto status = assess(ScannedAggregate{.id = "a", .head_version = 5},
                             OffsetRecord{.version = 3}, events, planner());
  EXPECT_EQ(status.condition, AggregateCondition::kHeld);
  ASSERT_TRUE(status.hold.has_value());
  EXPECT_EQ(status.hold->version, 4);
  EXPECT_EQ(status.hold->reason, dispatch::HoldReason::kPoison);
}

TEST(Assess, APoisonEventDoesNotHoldUnderTheDeadLetterPolicy) {
  Item broken = event("a", 4);
  broken.erase("data");
  const std::vector<Item> events{broken, event("a", 5)};
  const auto dead_letter = dispatch::make_run_planner(
      dispatch::DispatcherOptions{.topic = "events",
                                  .poison_policy = dispatch::PoisonPolicy::kDeadLetter,
                                  .dead_letter_topic = "events.dlq"});
  const auto status = assess(ScannedAggregate{.id = "a", .head_version = 5},
                             OffsetRecord{.version = 3}, events, dead_letter);
  EXPECT_EQ(status.condition, AggregateCondition::kBehind);
}

TEST(Assess, EventsGoneSinceTheScanMeanNothingWaits) {
  const auto status = assess(ScannedAggregate{.id = "a", .head_version = 9},
                             OffsetRecord{.version = 3}, {}, planner());
  EXPECT_EQ(status.condition, AggregateCondition::kUpToDate);
  EXPECT_EQ(status.lag, 0);
}

}  // namespace
}  // namespace dispatcher::core::operator_tools
