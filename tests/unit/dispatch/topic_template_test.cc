#include "core/dispatch/topic_template.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace dispatcher::core::dispatch {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

dynamodb::Item event_item(std::string stream_type, std::string event_type) {
  dynamodb::Item item;
  item["streamType"] = dynamodb::string_value(std::move(stream_type));
  item["eventType"] = dynamodb::string_value(std::move(event_type));
  item["streamId"] = dynamodb::string_value("order-1");
  return item;
}

TEST(TopicTemplate, FixedNameGoesEverywhere) {
  const auto topic = TopicTemplate::parse("orders.events");
  ASSERT_TRUE(topic.has_value()) << topic.error().describe();
  EXPECT_TRUE(topic->is_fixed());
  EXPECT_EQ(topic->render(event_item("Order", "OrderPlaced")).value(), "orders.events");
}

TEST(TopicTemplate, PlaceholdersTakeTheEventsFields) {
  const auto topic = TopicTemplate::parse("events.{streamType}.{eventType}");
  ASSERT_TRUE(topic.has_value()) << topic.error().describe();
  EXPECT_FALSE(topic->is_fixed());
  EXPECT_EQ(topic->render(event_item("Order", "OrderPlaced")).value(), "events.Order.OrderPlaced");
  EXPECT_EQ(topic->render(event_item("Invoice", "Paid")).value(), "events.Invoice.Paid");
}

TEST(TopicTemplate, RejectsUnknownAndUnclosedPlaceholders) {
  const auto unknown = TopicTemplate::parse("events.{tenant}");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, "InvalidTopicTemplate");
  EXPECT_THAT(unknown.error().message, HasSubstr("{tenant}"));
  EXPECT_FALSE(unknown.error().retryable());

  const auto unclosed = TopicTemplate::parse("events.{streamType");
  ASSERT_FALSE(unclosed.has_value());
  EXPECT_THAT(unclosed.error().message, HasSubstr("not closed"));
}

TEST(TopicTemplate, RejectsCharactersKafkaRefuses) {
  for (const char* text :
       {"events/orders", "events orders", "events:{streamType}", ".", "..", ""}) {
    EXPECT_FALSE(TopicTemplate::parse(text).has_value()) << text;
  }
  EXPECT_FALSE(TopicTemplate::parse(std::string(250, 'a')).has_value());
  EXPECT_TRUE(TopicTemplate::parse(std::string(249, 'a')).has_value());
}

TEST(TopicTemplate, AnIllegalRenderedNameIsAPoisonErrorWithoutTheValue) {
  const auto topic = TopicTemplate::parse("events.{streamType}");
  ASSERT_TRUE(topic.has_value());
  const auto rendered = topic->render(event_item("Order Line/secret", "Placed"));
  ASSERT_FALSE(rendered.has_value());
  EXPECT_EQ(rendered.error().code, "InvalidTopic");
  EXPECT_FALSE(rendered.error().retryable());
  EXPECT_THAT(rendered.error().message, Not(HasSubstr("secret")));

  dynamodb::Item missing;
  const auto absent = topic->render(missing);
  ASSERT_FALSE(absent.has_value());
  EXPECT_THAT(absent.error().message, HasSubstr("streamType"));
}

TEST(TopicTemplate, SaysWhichPlaceholdersItUses) {
  const auto by_event_type = TopicTemplate::parse("{streamType}.{eventType}");
  ASSERT_TRUE(by_event_type.has_value());
  EXPECT_TRUE(by_event_type->uses_field("eventType"));
  EXPECT_TRUE(by_event_type->uses_field("streamType"));
  EXPECT_FALSE(by_event_type->uses_field("streamId"));
  // Literal text that spells a field name is not a placeholder.
  const auto literal = TopicTemplate::parse("eventType.{streamType}");
  ASSERT_TRUE(literal.has_value());
  EXPECT_FALSE(literal->uses_field("eventType"));
}

TEST(TopicTemplate, LegalTopicNames) {
  EXPECT_TRUE(is_legal_topic_name("a.b_c-D9"));
  EXPECT_FALSE(is_legal_topic_name(""));
  EXPECT_FALSE(is_legal_topic_name("a b"));
  EXPECT_FALSE(is_legal_topic_name(".."));
}

}  // namespace
}  // namespace dispatcher::core::dispatch
