#include "core/dispatch/run_planner.h"

#include <gtest/gtest.h>

#include "fakes/event_items.h"

namespace dispatcher::core::dispatch {
namespace {

using dynamodb::Item;

RunPlanner planner(std::int64_t first_event_version = 0, std::size_t max_message_bytes = 1000000) {
  return RunPlanner(
      MessageMapper(MessageMapperOptions{.topic = "out", .max_message_bytes = max_message_bytes}),
      PoisonPolicy::kHold, first_event_version);
}

RunPlanner dead_letter_planner(std::string topic = "out", std::size_t max_message_bytes = 1000000) {
  return RunPlanner(
      MessageMapper(
          MessageMapperOptions{.topic = std::move(topic), .max_message_bytes = max_message_bytes}),
      PoisonPolicy::kDeadLetter, 0,
      DeadLetterOptions{
          .topic = "out.dlq", .source_table = "events", .max_message_bytes = max_message_bytes});
}

std::optional<std::string> header(const OutgoingMessage& message, std::string_view name) {
  for (const auto& [key, value] : message.headers) {
    if (key == name) {
      return value;
    }
  }
  return std::nullopt;
}

std::vector<Item> items(std::initializer_list<std::int64_t> versions) {
  std::vector<Item> result;
  for (const std::int64_t version : versions) {
    result.push_back(fakes::event_item("s", version));
  }
  return result;
}

std::vector<std::string> versions_of(const AggregateRun& run) {
  std::vector<std::string> versions;
  for (const OutgoingMessage& message : run.messages) {
    for (const Header& header : message.headers) {
      if (header.first == "version") {
        versions.push_back(header.second);
      }
    }
  }
  return versions;
}

TEST(RunPlanner, PublishesWholePageWhenContiguous) {
  const AggregateRun run = planner().plan("Order:s", std::nullopt, items({0, 1, 2}));
  EXPECT_EQ(versions_of(run), (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_TRUE(run.covers_page);
  EXPECT_FALSE(run.hold.has_value());
  EXPECT_EQ(run.last_version(), 2);
}

TEST(RunPlanner, HoldsAtGapAndPublishesThePrefix) {
  const AggregateRun run = planner().plan("Order:s", 3, items({4, 5, 7}));
  EXPECT_EQ(versions_of(run), (std::vector<std::string>{"4", "5"}));
  ASSERT_TRUE(run.hold.has_value());
  EXPECT_EQ(run.hold->version, 6);
  EXPECT_EQ(run.hold->reason, HoldReason::kGap);
  EXPECT_FALSE(run.covers_page);
}

TEST(RunPlanner, HoldsBeforePoisonEventAndPublishesThePrefix) {
  std::vector<Item> page = items({4, 5, 6});
  page[1].erase("eventId");
  const AggregateRun run = planner().plan("Order:s", 3, page);
  EXPECT_EQ(versions_of(run), (std::vector<std::string>{"4"}));
  ASSERT_TRUE(run.hold.has_value());
  EXPECT_EQ(run.hold->version, 5);
  EXPECT_EQ(run.hold->reason, HoldReason::kPoison);
  EXPECT_NE(run.hold->detail.find("eventId"), std::string::npos);
}

TEST(RunPlanner, PoisonBeforeAGapIsTheHold) {
  std::vector<Item> page = items({4, 5, 9});
  page[0]["data"] = dynamodb::string_value("not bytes");
  const AggregateRun run = planner().plan("Order:s", 3, page);
  EXPECT_TRUE(run.messages.empty());
  ASSERT_TRUE(run.hold.has_value());
  EXPECT_EQ(run.hold->version, 4);
  EXPECT_EQ(run.hold->reason, HoldReason::kPoison);
}

TEST(RunPlanner, UnreadableVersionIsPoisonAtTheNextExpectedVersion) {
  std::vector<Item> page = items({4, 5});
  page[1]["version"] = dynamodb::number_value("5.5");
  const AggregateRun run = planner().plan("Order:s", 3, page);
  EXPECT_EQ(versions_of(run), (std::vector<std::string>{"4"}));
  ASSERT_TRUE(run.hold.has_value());
  EXPECT_EQ(run.hold->version, 5);
  EXPECT_EQ(run.hold->reason, HoldReason::kPoison);
}

TEST(RunPlanner, OversizedEventIsPoison) {
  std::vector<Item> page = items({0, 1});
  page[1]["data"] = dynamodb::binary_value(std::string(2000, 'x'));
  const AggregateRun run = planner(0, 1000).plan("Order:s", std::nullopt, page);
  EXPECT_EQ(versions_of(run), (std::vector<std::string>{"0"}));
  ASSERT_TRUE(run.hold.has_value());
  EXPECT_EQ(run.hold->version, 1);
  EXPECT_NE(run.hold->detail.find("MessageTooLarge"), std::string::npos);
}

TEST(RunPlanner, OutOfOrderPageIsAnErrorAfterTheValidPrefix) {
  const AggregateRun run = planner().plan("Order:s", 3, items({4, 5, 5}));
  EXPECT_EQ(versions_of(run), (std::vector<std::string>{"4", "5"}));
  ASSERT_TRUE(run.error.has_value());
  EXPECT_EQ(run.error->code, "EventOrderViolation");
  EXPECT_FALSE(run.hold.has_value());
  EXPECT_FALSE(run.covers_page);
}

TEST(RunPlanner, AbsentOffsetStartsAtConfiguredFirstVersion) {
  const AggregateRun run = planner(1).plan("Order:s", std::nullopt, items({1, 2}));
  EXPECT_EQ(run.first_version, 1);
  EXPECT_EQ(versions_of(run), (std::vector<std::string>{"1", "2"}));
}

TEST(RunPlanner, EmptyPageCoversThePage) {
  const AggregateRun run = planner().plan("Order:s", 7, {});
  EXPECT_TRUE(run.messages.empty());
  EXPECT_TRUE(run.covers_page);
  EXPECT_EQ(run.last_version(), std::nullopt);
}

TEST(RunPlanner, DeadLetterPolicyPutsThePoisonEventInPlaceAndGoesOn) {
  std::vector<Item> page = items({4, 5, 6});
  page[1].erase("eventId");
  const AggregateRun run = dead_letter_planner().plan("Order:s", 3, page);
  ASSERT_EQ(run.messages.size(), 3U);
  EXPECT_EQ(run.messages[0].topic, "out");
  EXPECT_EQ(run.messages[1].topic, "out.dlq");
  EXPECT_EQ(run.messages[2].topic, "out");
  EXPECT_EQ(header(run.messages[1], "dlq.version"), "5");
  EXPECT_EQ(header(run.messages[1], "dlq.reason"), "InvalidItem");
  EXPECT_EQ(header(run.messages[1], "dlq.original-topic"), "out");
  EXPECT_EQ(header(run.messages[2], "version"), "6");
  ASSERT_EQ(run.dead_letters.size(), 1U);
  EXPECT_EQ(run.dead_letters[0].index, 1U);
  EXPECT_NE(run.dead_letters[0].reason.find("eventId"), std::string::npos);
  EXPECT_FALSE(run.hold.has_value());
  EXPECT_TRUE(run.covers_page);
  EXPECT_EQ(run.last_version(), 6);
}

TEST(RunPlanner, DeadLetterPolicyStillHoldsAtAGapAfterThePoisonEvent) {
  std::vector<Item> page = items({0, 1, 3});
  page[0]["data"] = dynamodb::string_value("not bytes");
  const AggregateRun run = dead_letter_planner().plan("Order:s", std::nullopt, page);
  ASSERT_EQ(run.messages.size(), 2U);
  EXPECT_EQ(run.messages[0].topic, "out.dlq");
  EXPECT_EQ(header(run.messages[0], "dlq.payload-format"), "dynamodb-json");
  ASSERT_TRUE(run.hold.has_value());
  EXPECT_EQ(run.hold->version, 2);
  EXPECT_EQ(run.hold->reason, HoldReason::kGap);
}

TEST(RunPlanner, DeadLetterPolicyDeadLettersAnOversizedEvent) {
  std::vector<Item> page = items({0, 1});
  page[1]["data"] = dynamodb::binary_value(std::string(2000, 'x'));
  const AggregateRun run = dead_letter_planner("out", 1000).plan("Order:s", std::nullopt, page);
  ASSERT_EQ(run.messages.size(), 2U);
  EXPECT_EQ(run.messages[1].topic, "out.dlq");
  EXPECT_EQ(header(run.messages[1], "dlq.reason"), "MessageTooLarge");
  EXPECT_EQ(header(run.messages[1], "dlq.value-truncated"), "true");
  EXPECT_LE(message_size(run.messages[1]), 1000U);
}

TEST(RunPlanner, DeadLetterPolicyDeadLettersAnEventWhoseTopicCannotBeRendered) {
  std::vector<Item> page = items({0, 1});
  page[1]["eventType"] = dynamodb::string_value("Order Placed");  // a space: no legal topic
  const AggregateRun run =
      dead_letter_planner("events.{eventType}").plan("Order:s", std::nullopt, page);
  ASSERT_EQ(run.messages.size(), 2U);
  EXPECT_EQ(run.messages[0].topic, "events.OrderPlaced");
  EXPECT_EQ(run.messages[1].topic, "out.dlq");
  EXPECT_EQ(header(run.messages[1], "dlq.reason"), "InvalidTopic");
  EXPECT_EQ(header(run.messages[1], "dlq.original-topic"), std::nullopt);
}

TEST(RunPlanner, UnreadableVersionHoldsEvenUnderDeadLetterPolicy) {
  std::vector<Item> page = items({4, 5});
  page[1]["version"] = dynamodb::number_value("5.5");
  const AggregateRun run = dead_letter_planner().plan("Order:s", 3, page);
  EXPECT_EQ(versions_of(run), (std::vector<std::string>{"4"}));
  ASSERT_TRUE(run.hold.has_value());
  EXPECT_EQ(run.hold->reason, HoldReason::kPoison);
  EXPECT_TRUE(run.dead_letters.empty());
}

TEST(RunPlanner, PlanMovingGivesTheSameRunAndHandsTheTextsOver) {
  const std::vector<Item> page = items({0, 1, 2});
  std::vector<Item> handed_over = page;
  const AggregateRun copied = planner().plan("Order:s", std::nullopt, page);
  const AggregateRun moved = planner().plan_moving("Order:s", std::nullopt, handed_over);
  ASSERT_EQ(moved.messages.size(), copied.messages.size());
  for (std::size_t index = 0; index < moved.messages.size(); ++index) {
    EXPECT_EQ(moved.messages[index].value, copied.messages[index].value);
    EXPECT_EQ(moved.messages[index].headers, copied.messages[index].headers);
  }
  EXPECT_TRUE(dynamodb::binary_attribute(handed_over[0], "data")->empty());
}

TEST(RunPlanner, PlanMovingKeepsThePageWholeUnderTheDeadLetterPolicy) {
  // A broker's refusal after publishing needs the whole item for its dead letter.
  const std::vector<Item> page = items({0, 1});
  std::vector<Item> handed_over = page;
  const AggregateRun run = dead_letter_planner().plan_moving("Order:s", std::nullopt, handed_over);
  EXPECT_EQ(run.messages.size(), 2U);
  EXPECT_EQ(handed_over, page);
}

}  // namespace
}  // namespace dispatcher::core::dispatch
