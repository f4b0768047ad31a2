#include "core/dispatch/message_mapper.h"

#include <algorithm>
#include <stdexcept>

#include <gtest/gtest.h>

#include "fakes/event_items.h"

namespace dispatcher::core::dispatch {
namespace {

using dynamodb::AttributeMap;
using dynamodb::AttributeValue;
using dynamodb::Item;

MessageMapper mapper(std::size_t max_message_bytes = 1000000) {
  return MessageMapper(
      MessageMapperOptions{.topic = "orders-out", .max_message_bytes = max_message_bytes});
}

Item seed_item() {
  return Item{
      {"id", dynamodb::string_value("Order:o-17")},
      {"version", dynamodb::number_value("42")},
      {"streamType", dynamodb::string_value("Order")},
      {"streamId", dynamodb::string_value("o-17")},
      {"eventId", dynamodb::string_value("3f1c")},
      {"data", dynamodb::binary_value(std::string("\x00\xff{\"a\":1}", 9))},
      {"timestamp", dynamodb::number_value("1700000000123")},
      {"eventType", dynamodb::string_value("OrderPlaced")},
      {"headers", AttributeValue{AttributeMap{{"traceparent", dynamodb::string_value("00-abc")},
                                              {"correlationId", dynamodb::string_value("c-9")}}}},
  };
}

TEST(MessageMapper, MapsSeedItemExactlyAsTheContractSays) {
  const auto message = mapper().map(seed_item());
  ASSERT_TRUE(message.has_value()) << message.error().describe();
  EXPECT_EQ(message->topic, "orders-out");
  EXPECT_EQ(message->key, "o-17");
  EXPECT_EQ(message->value, std::string("\x00\xff{\"a\":1}", 9));
  // The item's headers first (in name order), then the six standard ones.
  EXPECT_EQ(message->headers, (std::vector<Header>{{"correlationId", "c-9"},
                                                   {"traceparent", "00-abc"},
                                                   {"messageId", "3f1c"},
                                                   {"messageType", "OrderPlaced"},
                                                   {"streamType", "Order"},
                                                   {"streamId", "o-17"},
                                                   {"version", "42"},
                                                   {"timestamp", "1700000000123"}}));
}

// map(Item&&) is the dispatcher's path (RunPlanner::plan_moving): the same message, without
// copying the page's texts.
TEST(MessageMapper, MovingAnItemInGivesTheSameMessageAndWarningsAsCopying) {
  Item item = seed_item();
  std::get<AttributeMap>(item.at("headers").value)
      .emplace("messageId", dynamodb::string_value("shadow"));  // dropped, with a warning
  std::vector<Warning> copied_warnings;
  const auto copied = mapper().map(item, copied_warnings);
  std::vector<Warning> moved_warnings;
  Item handed_over = item;
  const auto moved = mapper().map(std::move(handed_over), moved_warnings);
  ASSERT_TRUE(copied.has_value());
  ASSERT_TRUE(moved.has_value());
  EXPECT_EQ(moved->topic, copied->topic);
  EXPECT_EQ(moved->key, copied->key);
  EXPECT_EQ(moved->value, copied->value);
  EXPECT_EQ(moved->headers, copied->headers);
  ASSERT_EQ(moved_warnings.size(), copied_warnings.size());
  EXPECT_EQ(moved_warnings[0].message, copied_warnings[0].message);
}

TEST(MessageMapper, MovingAnItemTakesItsTextsInsteadOfCopyingThem) {
  Item item = seed_item();
  const std::string value(500, 'v');  // long enough to live on the heap, so a move keeps it
  std::get<dynamodb::Binary>(item.at("data").value).bytes = value;
  const char* bytes = std::get<dynamodb::Binary>(item.at("data").value).bytes.data();
  std::vector<Warning> warnings;
  const auto message = mapper().map(std::move(item), warnings);
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->value, value);
  EXPECT_EQ(message->value.data(), bytes) << "the value was copied, not moved";
}

TEST(MessageMapper, MovingAnItemThatIsRefusedLeavesItWhole) {
  const Item original = seed_item();
  Item item = original;
  std::vector<Warning> warnings;
  const auto message = mapper(10).map(std::move(item), warnings);
  ASSERT_FALSE(message.has_value());
  EXPECT_EQ(message.error().code, "MessageTooLarge");
  EXPECT_EQ(item, original);  // NOLINT(bugprone-use-after-move): unchanged on error, by contract
}

TEST(MessageMapper, VersionAndTimestampKeepTheExactDecimalText) {
  Item item = seed_item();
  item["timestamp"] = dynamodb::number_value("1700000000.125");
  item["version"] = dynamodb::number_value("0");
  const auto message = mapper().map(item);
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->headers[message->headers.size() - 2], (Header{"version", "0"}));
  EXPECT_EQ(message->headers.back(), (Header{"timestamp", "1700000000.125"}));
}

TEST(MessageMapper, HeadersAttributeIsOptional) {
  Item item = seed_item();
  item.erase("headers");
  const auto message = mapper().map(item);
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->headers.size(), 6U);
  EXPECT_EQ(message->headers.front(), (Header{"messageId", "3f1c"}));
}

TEST(MessageMapper, EmptyDataIsAValidEmptyValue) {
  Item item = seed_item();
  item["data"] = dynamodb::binary_value("");
  const auto message = mapper().map(item);
  ASSERT_TRUE(message.has_value());
  EXPECT_TRUE(message->value.empty());
}

struct PoisonCase {
  const char* name;
  const char* attribute;
  AttributeValue replacement;  ///< Null{} alternative stands for "remove"
  bool remove = false;
};

class MessageMapperPoison : public ::testing::TestWithParam<PoisonCase> {};

TEST_P(MessageMapperPoison, RejectsItemThatCannotBecomeAValidMessage) {
  const PoisonCase& poison_case = GetParam();
  Item item = seed_item();
  if (poison_case.remove) {
    item.erase(poison_case.attribute);
  } else {
    item[poison_case.attribute] = poison_case.replacement;
  }
  const auto message = mapper().map(item);
  ASSERT_FALSE(message.has_value());
  EXPECT_FALSE(message.error().retryable());
  EXPECT_EQ(message.error().code, "InvalidItem");
  EXPECT_NE(message.error().message.find(poison_case.attribute), std::string::npos)
      << message.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    RequiredAttributes, MessageMapperPoison,
    ::testing::Values(
        PoisonCase{"MissingId", "id", {}, true},
        PoisonCase{"NumericId", "id", dynamodb::integer_value(1)},
        PoisonCase{"MissingVersion", "version", {}, true},
        PoisonCase{"FractionalVersion", "version", dynamodb::number_value("1.5")},
        PoisonCase{"StringVersion", "version", dynamodb::string_value("1")},
        PoisonCase{"MissingStreamType", "streamType", {}, true},
        PoisonCase{"MissingStreamId", "streamId", {}, true},
        PoisonCase{"BinaryStreamId", "streamId", dynamodb::binary_value("o-17")},
        PoisonCase{"MissingEventId", "eventId", {}, true},
        PoisonCase{"MissingData", "data", {}, true},
        PoisonCase{"StringData", "data", dynamodb::string_value("{}")},
        PoisonCase{"MissingTimestamp", "timestamp", {}, true},
        PoisonCase{"StringTimestamp", "timestamp", dynamodb::string_value("2024-01-01")},
        PoisonCase{"MissingEventType", "eventType", {}, true},
        PoisonCase{"ListHeaders", "headers", AttributeValue{dynamodb::AttributeList{}}},
        PoisonCase{"NumericHeaderValue", "headers",
                   AttributeValue{AttributeMap{{"retries", dynamodb::integer_value(3)}}}}),
    [](const ::testing::TestParamInfo<PoisonCase>& param_info) { return param_info.param.name; });

TEST(MessageMapper, EmptyStreamIdIsPoisonBecauseAnEmptyKeyGoesToARandomPartition) {
  Item item = seed_item();
  item["streamId"] = dynamodb::string_value("");
  const auto message = mapper().map(item);
  ASSERT_FALSE(message.has_value());
  EXPECT_FALSE(message.error().retryable());
  EXPECT_EQ(message.error().code, "InvalidItem");
  EXPECT_NE(message.error().message.find("streamId: empty"), std::string::npos)
      << message.error().message;
  EXPECT_NE(message.error().message.find("event version 42"), std::string::npos);
}

TEST(MessageMapper, StandardHeadersWinOverItemHeadersOfTheSameNameWithAWarning) {
  Item item = seed_item();
  item["headers"] = AttributeValue{AttributeMap{{"version", dynamodb::string_value("999")},
                                                {"messageId", dynamodb::string_value("forged")},
                                                {"traceparent", dynamodb::string_value("00-abc")},
                                                {"Version", dynamodb::string_value("other")}}};
  std::vector<Warning> warnings;
  const auto message = mapper().map(item, warnings);
  ASSERT_TRUE(message.has_value()) << message.error().describe();
  // Header names are case-sensitive: "Version" is not the standard "version".
  EXPECT_EQ(message->headers, (std::vector<Header>{{"Version", "other"},
                                                   {"traceparent", "00-abc"},
                                                   {"messageId", "3f1c"},
                                                   {"messageType", "OrderPlaced"},
                                                   {"streamType", "Order"},
                                                   {"streamId", "o-17"},
                                                   {"version", "42"},
                                                   {"timestamp", "1700000000123"}}));
  ASSERT_EQ(warnings.size(), 2U);
  for (const Warning& warning : warnings) {
    EXPECT_EQ(warning.code, "StandardHeaderKept");
    EXPECT_NE(warning.message.find("event version 42"), std::string::npos) << warning.message;
    // Names the header, never the item's value.
    EXPECT_EQ(warning.message.find("forged"), std::string::npos) << warning.message;
    EXPECT_EQ(warning.message.find("999"), std::string::npos) << warning.message;
  }
  EXPECT_NE(warnings[0].message.find("\"messageId\""), std::string::npos) << warnings[0].message;
  EXPECT_NE(warnings[1].message.find("\"version\""), std::string::npos) << warnings[1].message;
}

TEST(MessageMapper, ItemWithoutClashingHeadersGivesNoWarning) {
  std::vector<Warning> warnings;
  const auto message = mapper().map(seed_item(), warnings);
  ASSERT_TRUE(message.has_value());
  EXPECT_TRUE(warnings.empty());
}

TEST(MessageMapper, ErrorNamesTheEventVersionButNoValue) {
  Item item = seed_item();
  item["eventId"] = dynamodb::integer_value(12345);
  const auto message = mapper().map(item);
  ASSERT_FALSE(message.has_value());
  EXPECT_NE(message.error().message.find("version 42"), std::string::npos);
  EXPECT_EQ(message.error().message.find("12345"), std::string::npos);
}

TEST(MessageMapper, RejectsMessageOverTheSizeLimit) {
  const auto exact = mapper().map(seed_item());
  ASSERT_TRUE(exact.has_value());
  const std::size_t size = message_size(*exact);
  EXPECT_TRUE(mapper(size).map(seed_item()).has_value());
  const auto too_large = mapper(size - 1).map(seed_item());
  ASSERT_FALSE(too_large.has_value());
  EXPECT_EQ(too_large.error().code, "MessageTooLarge");
  EXPECT_FALSE(too_large.error().retryable());
}

TEST(MessageMapper, MessageSizeCountsKeyValueAndHeaders) {
  const OutgoingMessage message{
      .topic = "t", .key = "ab", .value = "cde", .headers = {{"f", "gh"}}};
  EXPECT_EQ(message_size(message), 8U);
}

TEST(EventVersion, ReadsIntegerVersion) {
  EXPECT_EQ(event_version(seed_item()), 42);
  Item item = seed_item();
  item["version"] = dynamodb::number_value("-1001");
  EXPECT_EQ(event_version(item), -1001);
}

TEST(EventVersion, RejectsMissingOrNonIntegerVersion) {
  Item item = seed_item();
  item.erase("version");
  EXPECT_FALSE(event_version(item).has_value());
  item["version"] = dynamodb::number_value("2.5");
  EXPECT_FALSE(event_version(item).has_value());
}

TEST(MessageMapper, TestWritersItemsAreValid) {
  // The simulation counts fakes::event_item as a valid event; keep that true.
  EXPECT_TRUE(mapper().map(fakes::event_item("s-1", 0)).has_value());
}

TEST(MessageMapper, RoutesEachEventByTheTopicTemplate) {
  const MessageMapper routed(MessageMapperOptions{.topic = "events.{streamType}.{eventType}"});
  Item item = seed_item();
  auto message = routed.map(item);
  ASSERT_TRUE(message.has_value()) << message.error().describe();
  EXPECT_EQ(message->topic, "events.Order.OrderPlaced");
  item["eventType"] = dynamodb::string_value("OrderShipped");
  message = routed.map(item);
  ASSERT_TRUE(message.has_value()) << message.error().describe();
  EXPECT_EQ(message->topic, "events.Order.OrderShipped");
}

TEST(MessageMapper, EventWhoseTopicIsIllegalIsPoison) {
  const MessageMapper routed(MessageMapperOptions{.topic = "events.{eventType}"});
  Item item = seed_item();
  item["eventType"] = dynamodb::string_value("Order/Placed");
  const auto message = routed.map(item);
  ASSERT_FALSE(message.has_value());
  EXPECT_EQ(message.error().code, "InvalidTopic");
  EXPECT_FALSE(message.error().retryable());
  EXPECT_EQ(message.error().message.find("Order/Placed"), std::string::npos)
      << "the attribute's value must not be quoted";
}

TEST(MessageMapper, MissingTemplateFieldIsReportedAsTheMissingAttribute) {
  const MessageMapper routed(MessageMapperOptions{.topic = "events.{eventType}"});
  Item item = seed_item();
  item.erase("eventType");
  const auto message = routed.map(item);
  ASSERT_FALSE(message.has_value());
  EXPECT_EQ(message.error().code, "InvalidItem");
}

TEST(MessageMapper, InvalidTemplateIsAStartUpError) {
  EXPECT_THROW(MessageMapper(MessageMapperOptions{.topic = "events.{nope}"}),
               std::invalid_argument);
}

TEST(MessageMapper, CarriesW3cTraceparentHeaderUnchanged) {
  Item item = seed_item();
  const std::string traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  item["headers"] =
      AttributeValue{AttributeMap{{"traceparent", dynamodb::string_value(traceparent)}}};
  const auto message = mapper().map(item);
  ASSERT_TRUE(message.has_value()) << message.error().describe();
  const auto found = std::ranges::find_if(
      message->headers, [](const Header& header) { return header.first == "traceparent"; });
  ASSERT_NE(found, message->headers.end());
  EXPECT_EQ(found->second, traceparent);
}

MessageMapper cloud_events_mapper(std::string content_type = "") {
  return MessageMapper(MessageMapperOptions{
      .topic = "orders-out",
      .cloud_events =
          CloudEventsOptions{.source = "/events/Orders", .content_type = std::move(content_type)}});
}

TEST(MessageMapper, CloudEventsHeadersFollowTheStandardOnesWhenEnabled) {
  const auto message = cloud_events_mapper("application/json").map(seed_item());
  ASSERT_TRUE(message.has_value()) << message.error().describe();
  const std::vector<Header> expected{{"correlationId", "c-9"},
                                     {"traceparent", "00-abc"},
                                     {"messageId", "3f1c"},
                                     {"messageType", "OrderPlaced"},
                                     {"streamType", "Order"},
                                     {"streamId", "o-17"},
                                     {"version", "42"},
                                     {"timestamp", "1700000000123"},
                                     {"ce_specversion", "1.0"},
                                     {"ce_id", "3f1c"},
                                     {"ce_source", "/events/Orders"},
                                     {"ce_type", "OrderPlaced"},
                                     {"ce_time", "2023-11-14T22:13:20.123Z"},
                                     {"ce_subject", "Order:o-17"},
                                     {"content-type", "application/json"}};
  EXPECT_EQ(message->headers, expected);
  EXPECT_EQ(message->value, std::string("\x00\xff{\"a\":1}", 9)) << "the value stays unchanged";
}

TEST(MessageMapper, CloudEventsHeadersAreOffByDefaultAndContentTypeOnlyWhenSet) {
  const auto plain = mapper().map(seed_item());
  ASSERT_TRUE(plain.has_value());
  EXPECT_FALSE(std::ranges::any_of(plain->headers, [](const Header& header) {
    return header.first.starts_with("ce_") || header.first == "content-type";
  }));
  const auto without_type = cloud_events_mapper().map(seed_item());
  ASSERT_TRUE(without_type.has_value());
  EXPECT_EQ(without_type->headers.back(), (Header{"ce_subject", "Order:o-17"}));
}

TEST(MessageMapper, CloudEventsTimeFollowsTheTimestampUnitAndIsLeftOutWhenUnreadable) {
  Item item = seed_item();
  item["timestamp"] = dynamodb::number_value("1700000000.5");  // seconds
  auto message = cloud_events_mapper().map(item);
  ASSERT_TRUE(message.has_value());
  EXPECT_NE(std::ranges::find(message->headers, Header{"ce_time", "2023-11-14T22:13:20.500Z"}),
            message->headers.end());
  item["timestamp"] = dynamodb::number_value("-5");
  message = cloud_events_mapper().map(item);
  ASSERT_TRUE(message.has_value());
  EXPECT_TRUE(std::ranges::none_of(message->headers,
                                   [](const Header& header) { return header.first == "ce_time"; }));
}

TEST(MessageMapper, ItemHeadersNamedLikeCloudEventsOnesAreDroppedOnlyWhenEnabled) {
  Item item = seed_item();
  std::get<AttributeMap>(item["headers"].value)["ce_type"] = dynamodb::string_value("Forged");
  std::vector<Warning> warnings;
  const auto message = cloud_events_mapper().map(item, warnings);
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(std::ranges::count_if(message->headers,
                                  [](const Header& header) { return header.first == "ce_type"; }),
            1);
  EXPECT_NE(std::ranges::find(message->headers, Header{"ce_type", "OrderPlaced"}),
            message->headers.end());
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_EQ(warnings[0].code, "StandardHeaderKept");
  const auto plain = mapper().map(item);
  ASSERT_TRUE(plain.has_value());
  EXPECT_NE(std::ranges::find(plain->headers, Header{"ce_type", "Forged"}), plain->headers.end())
      << "without CloudEvents, a ce_ header of the item is the item's own";
}

}  // namespace
}  // namespace dispatcher::core::dispatch
