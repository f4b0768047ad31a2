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

OffsetRecord offset_at(std::int64_t version, std::optional<std::int64_t> dispatched_at = {}) {
  return OffsetRecord{.state = dispatch::OffsetState{.version = version,
                                                     .dispatched_at_milliseconds = dispatched_at}};
}

/// An offsets item as the dispatcher writes it: the offset and a stored hold.
Item held_offset_item(const std::string& id, std::int64_t version, std::int64_t hold_version,
                      const std::string& reason) {
  return Item{{"id", string_value(id)},
              {"version", integer_value(version)},
              {"dispatched_at", integer_value(1700000000000)},
              {"hold_version", integer_value(hold_version)},
              {"hold_reason", string_value(reason)},
              {"hold_detail", string_value("what the dispatcher saw")},
              {"held_since", integer_value(1700000000123)}};
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
  const auto status =
      assess(ScannedAggregate{.id = "a", .head_version = 3}, offset_at(3), {}, planner());
  EXPECT_EQ(status.condition, AggregateCondition::kUpToDate);
  EXPECT_EQ(status.lag, 0);
  EXPECT_FALSE(status.hold.has_value());
}

TEST(Assess, BehindWhenTheNextEventIsThere) {
  const std::vector<Item> events{event("a", 4), event("a", 5)};
  const auto status =
      assess(ScannedAggregate{.id = "a", .head_version = 5}, offset_at(3, 42), events, planner());
  EXPECT_EQ(status.condition, AggregateCondition::kBehind);
  EXPECT_EQ(status.lag, 2);
  EXPECT_EQ(status.last_dispatched_milliseconds, 42);
}

TEST(Assess, HeldAtTheFirstMissingVersion) {
  const std::vector<Item> events{event("a", 5), event("a", 6)};
  const auto status =
      assess(ScannedAggregate{.id = "a", .head_version = 6}, offset_at(3), events, planner());
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
  const auto status =
      assess(ScannedAggregate{.id = "a", .head_version = 5}, offset_at(3), events, planner());
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
  const auto status =
      assess(ScannedAggregate{.id = "a", .head_version = 5}, offset_at(3), events, dead_letter);
  EXPECT_EQ(status.condition, AggregateCondition::kBehind);
}

TEST(Assess, EventsGoneSinceTheScanMeanNothingWaits) {
  const auto status =
      assess(ScannedAggregate{.id = "a", .head_version = 9}, offset_at(3), {}, planner());
  EXPECT_EQ(status.condition, AggregateCondition::kUpToDate);
  EXPECT_EQ(status.lag, 0);
}

TEST(Assess, ShowsTheStoredHoldOfEachReasonAsStoredWithItsStart) {
  // Events 4 and 5 are fine, so re-planning alone would say "behind": only the stored verdict says
  // held (the broker refused, or the dispatcher could not read what it read).
  const std::vector<Item> events{event("a", 4), event("a", 5)};
  for (const std::string reason : {"gap", "poison", "refused", "corrupt"}) {
    const auto record = read_offset_record(held_offset_item("a", 3, 4, reason));
    ASSERT_FALSE(record.problem.has_value()) << *record.problem;
    const auto status =
        assess(ScannedAggregate{.id = "a", .head_version = 5}, record, events, planner());
    EXPECT_EQ(status.condition, AggregateCondition::kHeld) << reason;
    ASSERT_TRUE(status.hold.has_value()) << reason;
    EXPECT_EQ(dispatch::hold_reason_name(status.hold->reason), reason);
    EXPECT_EQ(status.hold->version, 4);
    EXPECT_EQ(status.hold->detail, "what the dispatcher saw");
    EXPECT_EQ(status.hold_source, HoldSource::kStored) << reason;
    EXPECT_EQ(status.held_since_milliseconds, 1700000000123);
    EXPECT_EQ(status.offset, 3);
    EXPECT_EQ(status.lag, 2);
    EXPECT_FALSE(needs_events(ScannedAggregate{.id = "a", .head_version = 5}, record, 0))
        << "a stored hold is the dispatcher's verdict: no re-planning";
  }
}

TEST(Assess, AHoldFoundOnlyByReplanningIsDerived) {
  const std::vector<Item> events{event("a", 5)};
  const auto status =
      assess(ScannedAggregate{.id = "a", .head_version = 5}, offset_at(3), events, planner());
  ASSERT_TRUE(status.hold.has_value());
  EXPECT_EQ(status.hold_source, HoldSource::kDerived);
  EXPECT_FALSE(status.held_since_milliseconds.has_value());
}

TEST(Assess, AnUnreadableOffsetItemIsHeldCorruptWithItsProblem) {
  const Item corrupt{{"id", string_value("a")}, {"version", string_value("seven")}};
  const auto record = read_offset_record(corrupt);
  ASSERT_TRUE(record.problem.has_value());
  EXPECT_NE(record.problem->find("'version'"), std::string::npos) << *record.problem;
  EXPECT_EQ(record.problem->find("seven"), std::string::npos) << "never the value";
  EXPECT_FALSE(needs_events(ScannedAggregate{.id = "a", .head_version = 5}, record, 0));
  const auto status = assess(ScannedAggregate{.id = "a", .head_version = 5}, record, {}, planner());
  EXPECT_EQ(status.condition, AggregateCondition::kHeld);
  ASSERT_TRUE(status.hold.has_value());
  EXPECT_EQ(status.hold->reason, dispatch::HoldReason::kCorrupt);
  EXPECT_EQ(status.hold_source, HoldSource::kDerived) << "the dispatcher has not stored it yet";
  EXPECT_EQ(status.offset_problem, record.problem);
  EXPECT_FALSE(status.offset.has_value());
  EXPECT_EQ(status.lag, 0);
}

TEST(Assess, TheCorruptHoldTheDispatcherStoredOnAnUnreadableItemIsStored) {
  Item corrupt = held_offset_item("a", 0, -1, "corrupt");
  corrupt["version"] = string_value("seven");
  const auto record = read_offset_record(corrupt);
  ASSERT_TRUE(record.problem.has_value());
  const auto status = assess(ScannedAggregate{.id = "a", .head_version = 5}, record, {}, planner());
  ASSERT_TRUE(status.hold.has_value());
  EXPECT_EQ(status.hold->reason, dispatch::HoldReason::kCorrupt);
  EXPECT_EQ(status.hold->version, -1);
  EXPECT_EQ(status.hold_source, HoldSource::kStored);
  EXPECT_EQ(status.held_since_milliseconds, 1700000000123);
  EXPECT_TRUE(status.offset_problem.has_value());
}

TEST(Assess, VersionsOutOfOrderAreADerivedCorruptHoldAfterTheValidPrefix) {
  const std::vector<Item> events{event("a", 4), event("a", 4)};
  const auto status =
      assess(ScannedAggregate{.id = "a", .head_version = 5}, offset_at(3), events, planner());
  ASSERT_TRUE(status.hold.has_value());
  EXPECT_EQ(status.hold->reason, dispatch::HoldReason::kCorrupt);
  EXPECT_EQ(status.hold->version, 5);
  EXPECT_EQ(status.hold_source, HoldSource::kDerived);
}

TEST(Assess, AnUnreadableEventPageIsADerivedCorruptHoldAtTheNextVersion) {
  const auto status = assess_unreadable_events(
      ScannedAggregate{.id = "a", .head_version = 5}, offset_at(3),
      permanent_error("InvalidAttributeValue", "attribute 'data' has an unknown type"), 0);
  ASSERT_TRUE(status.hold.has_value());
  EXPECT_EQ(status.hold->reason, dispatch::HoldReason::kCorrupt);
  EXPECT_EQ(status.hold->version, 4);
  EXPECT_NE(status.hold->detail.find("InvalidAttributeValue"), std::string::npos);
}

}  // namespace
}  // namespace dispatcher::core::operator_tools
