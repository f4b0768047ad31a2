#include "core/dispatch/dead_letter_builder.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/dispatch/message_mapper.h"
#include "fakes/event_items.h"

namespace dispatcher::core::dispatch {
namespace {

using dynamodb::Item;

DeadLetterBuilder builder(std::size_t max_message_bytes = 1000000) {
  return DeadLetterBuilder(DeadLetterOptions{.topic = "events.dlq",
                                             .source_table = "events-table",
                                             .max_message_bytes = max_message_bytes});
}

PoisonEvent poison_event(std::optional<std::string> original_topic = "orders-out") {
  return PoisonEvent{.aggregate_id = "Order:s",
                     .version = 4,
                     .reason = permanent_error("InvalidItem", "event version 4: eventId: missing"),
                     .original_topic = std::move(original_topic)};
}

std::optional<std::string> header(const OutgoingMessage& message, std::string_view name) {
  std::optional<std::string> found;
  for (const auto& [key, value] : message.headers) {
    if (key == name) {
      found = value;
    }
  }
  return found;
}

TEST(DeadLetterBuilder, KeepsPayloadKeyAndHeadersAndAddsEveryReasonHeader) {
  Item item = fakes::event_item("s", 4);
  item.erase("eventId");
  const OutgoingMessage message = builder().build(item, poison_event());
  EXPECT_EQ(message.topic, "events.dlq");
  EXPECT_EQ(message.key, "s");
  EXPECT_EQ(message.value, *dynamodb::binary_attribute(item, "data"));
  EXPECT_EQ(header(message, "traceparent"), "00-trace-4");
  EXPECT_EQ(header(message, "messageId"), std::nullopt) << "eventId is missing";
  EXPECT_EQ(header(message, "messageType"), "OrderPlaced");
  EXPECT_EQ(header(message, "streamType"), "Order");
  EXPECT_EQ(header(message, "streamId"), "s");
  EXPECT_EQ(header(message, "version"), "4");
  EXPECT_EQ(header(message, "timestamp"), *dynamodb::number_attribute(item, "timestamp"));
  EXPECT_EQ(header(message, "dlq.reason"), "InvalidItem");
  EXPECT_EQ(header(message, "dlq.detail"), "event version 4: eventId: missing");
  EXPECT_EQ(header(message, "dlq.source-table"), "events-table");
  EXPECT_EQ(header(message, "dlq.aggregate-id"), "Order:s");
  EXPECT_EQ(header(message, "dlq.version"), "4");
  EXPECT_EQ(header(message, "dlq.original-topic"), "orders-out");
  EXPECT_EQ(header(message, "dlq.payload-format"), std::nullopt);
  EXPECT_EQ(header(message, "dlq.value-truncated"), std::nullopt);
}

TEST(DeadLetterBuilder, UnreadableDataSendsTheItemAsDynamoDbJson) {
  Item item = fakes::event_item("s", 4);
  item["data"] = dynamodb::string_value("not bytes");
  const OutgoingMessage message = builder().build(item, poison_event(std::nullopt));
  EXPECT_EQ(header(message, "dlq.payload-format"), "dynamodb-json");
  const auto json = nlohmann::json::parse(message.value);
  EXPECT_EQ(json["data"]["S"], "not bytes");
  EXPECT_EQ(json["version"]["N"], "4");
  EXPECT_EQ(header(message, "dlq.original-topic"), std::nullopt);
}

TEST(DeadLetterBuilder, UnreadableStreamIdKeysByTheAggregateId) {
  Item item = fakes::event_item("s", 4);
  item["streamId"] = dynamodb::integer_value(7);
  const OutgoingMessage message = builder().build(item, poison_event());
  EXPECT_EQ(message.key, "Order:s");
  EXPECT_EQ(header(message, "streamId"), std::nullopt);
}

TEST(DeadLetterBuilder, NonStringHeaderEntriesAreLeftOutTheOthersKept) {
  Item item = fakes::event_item("s", 4);
  item["headers"] = dynamodb::AttributeValue{dynamodb::AttributeMap{
      {"good", dynamodb::string_value("g")}, {"bad", dynamodb::integer_value(1)}}};
  const OutgoingMessage message = builder().build(item, poison_event());
  EXPECT_EQ(header(message, "good"), "g");
  EXPECT_EQ(header(message, "bad"), std::nullopt);
}

TEST(DeadLetterBuilder, TooLargeValueIsTruncatedToFitAndSaysSo) {
  Item item = fakes::event_item("s", 4);
  item["data"] = dynamodb::binary_value(std::string(5000, 'x'));
  const OutgoingMessage message = builder(1000).build(item, poison_event());
  EXPECT_EQ(message_size(message), 1000U);
  EXPECT_EQ(header(message, "dlq.value-truncated"), "true");
  EXPECT_EQ(header(message, "dlq.original-value-bytes"), "5000");
  EXPECT_EQ(message.value, std::string(message.value.size(), 'x'));
  EXPECT_EQ(header(message, "traceparent"), "00-trace-4");
}

TEST(DeadLetterBuilder, HeadersTooLargeForTheLimitAreDroppedAndSaidSo) {
  Item item = fakes::event_item("s", 4);
  item["headers"] = dynamodb::AttributeValue{
      dynamodb::AttributeMap{{"huge", dynamodb::string_value(std::string(3000, 'h'))}}};
  const OutgoingMessage message = builder(1000).build(item, poison_event());
  EXPECT_LE(message_size(message), 1000U);
  EXPECT_EQ(header(message, "huge"), std::nullopt);
  EXPECT_EQ(header(message, "dlq.headers-dropped"), "true");
  EXPECT_EQ(header(message, "dlq.value-truncated"), "true");
  EXPECT_EQ(header(message, "dlq.reason"), "InvalidItem");
}

}  // namespace
}  // namespace dispatcher::core::dispatch
