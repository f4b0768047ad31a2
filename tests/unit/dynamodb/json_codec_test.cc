#include "core/dynamodb/json_codec.h"

#include <gtest/gtest.h>

#include <string>

namespace dispatcher::core::dynamodb {
namespace {

using nlohmann::json;

/// Decodes `text`, re-encodes the result and expects the very same JSON back.
void expect_round_trip(const std::string& text) {
  const json original = json::parse(text);
  const Result<AttributeValue> decoded = attribute_value_from_json(original);
  ASSERT_TRUE(decoded) << text << ": " << decoded.error().message;
  EXPECT_EQ(to_json(*decoded), original) << text;
  EXPECT_EQ(attribute_value_from_json(to_json(*decoded)).value(), *decoded) << text;
}

std::string error_message(const std::string& text) {
  const Result<AttributeValue> decoded = attribute_value_from_json(json::parse(text));
  if (decoded) {
    ADD_FAILURE() << "decoded although malformed: " << text;
    return "";
  }
  EXPECT_EQ(decoded.error().code, "InvalidAttributeValue");
  EXPECT_FALSE(decoded.error().retryable());
  return decoded.error().message;
}

TEST(JsonCodec, RoundTripsEveryTypeExactly) {
  expect_round_trip(R"({"S": "hello \u00e9 \u0000 world"})");
  expect_round_trip(R"({"S": ""})");
  expect_round_trip(R"({"N": "12345678901234567890123456789012345678"})");
  expect_round_trip(R"({"N": "-0.000000000000000000000000000000000001"})");
  expect_round_trip(R"({"N": "1.50"})");
  expect_round_trip(R"({"N": "1E+125"})");
  expect_round_trip(R"({"B": "AAEC/f7/"})");
  expect_round_trip(R"({"B": ""})");
  expect_round_trip(R"({"BOOL": true})");
  expect_round_trip(R"({"BOOL": false})");
  expect_round_trip(R"({"NULL": true})");
  expect_round_trip(R"({"M": {}})");
  expect_round_trip(R"({"M": {"a": {"S": "x"}, "b": {"M": {"c": {"L": [{"N": "1"}]}}}}})");
  expect_round_trip(R"({"L": []})");
  expect_round_trip(R"({"L": [{"S": "x"}, {"NULL": true}, {"L": [{"BOOL": false}]}]})");
  expect_round_trip(R"({"SS": ["b", "a", "c"]})");
  expect_round_trip(R"({"NS": ["3", "-1.5", "2e10"]})");
  expect_round_trip(R"({"BS": ["AA==", "AQ==", "/w=="]})");
}

TEST(JsonCodec, KeepsNumberTextWithoutConverting) {
  const auto decoded = attribute_value_from_json(json::parse(R"({"N": "0.10000000000000000001"})"));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(std::get<Number>(decoded->value).text, "0.10000000000000000001");
}

TEST(JsonCodec, DecodesBinaryToRawBytes) {
  const auto decoded = attribute_value_from_json(json::parse(R"({"B": "AP8="})"));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(std::get<Binary>(decoded->value).bytes, std::string("\x00\xff", 2));
}

TEST(JsonCodec, RoundTripsAnEventItem) {
  const json original = json::parse(R"({
    "id": {"S": "Order:42"}, "version": {"N": "7"}, "streamType": {"S": "Order"},
    "streamId": {"S": "42"}, "eventId": {"S": "e-1"}, "data": {"B": "eyJhIjoxfQ=="},
    "timestamp": {"N": "1700000000000"}, "eventType": {"S": "OrderPlaced"},
    "headers": {"M": {"traceparent": {"S": "00-abc-def-01"}}}})");
  const Result<Item> item = item_from_json(original);
  ASSERT_TRUE(item) << item.error().message;
  EXPECT_EQ(item_to_json(*item), original);
  EXPECT_EQ(*binary_attribute(*item, "data"), R"({"a":1})");
  EXPECT_EQ(integer_attribute(*item, "version"), 7);
}

TEST(JsonCodec, ErrorNamesTheNestedAttributePath) {
  const auto item = item_from_json(json::parse(R"({"headers": {"M": {"traceparent": {"S": 5}}}})"));
  ASSERT_FALSE(item);
  EXPECT_EQ(item.error().code, "InvalidAttributeValue");
  EXPECT_EQ(item.error().message,
            R"(headers.traceparent: expected {"S": <string>}, found a number)");
}

TEST(JsonCodec, ErrorNamesListIndexes) {
  const auto item =
      item_from_json(json::parse(R"({"tags": {"L": [{"S": "a"}, {"L": [{"N": "x"}]}]}})"));
  ASSERT_FALSE(item);
  EXPECT_EQ(item.error().message.rfind("tags[1][0]: ", 0), 0U) << item.error().message;
}

TEST(JsonCodec, RejectsValuesThatAreNotOneTypeKeyObjects) {
  EXPECT_NE(error_message(R"("text")").find("found a string"), std::string::npos);
  EXPECT_NE(error_message(R"({})").find("found 0 keys"), std::string::npos);
  EXPECT_NE(error_message(R"({"S": "a", "N": "1"})").find("found 2 keys"), std::string::npos);
  EXPECT_NE(error_message(R"({"X": "a"})").find("unknown type key"), std::string::npos);
  EXPECT_NE(error_message(R"(null)").find("found null"), std::string::npos);
}

TEST(JsonCodec, RejectsMalformedScalars) {
  EXPECT_NE(error_message(R"({"S": null})").find(R"(expected {"S": <string>})"), std::string::npos);
  EXPECT_NE(error_message(R"({"N": 5})").find("found a number"), std::string::npos);
  EXPECT_NE(error_message(R"({"N": "1.2.3"})").find("not a valid DynamoDB number"),
            std::string::npos);
  EXPECT_NE(error_message(R"({"N": ""})").find("not a valid DynamoDB number"), std::string::npos);
  EXPECT_NE(error_message(R"({"B": "not base64!"})").find("invalid base64"), std::string::npos);
  EXPECT_NE(error_message(R"({"B": 1})").find("found a number"), std::string::npos);
  EXPECT_NE(error_message(R"({"BOOL": "true"})").find("found a string"), std::string::npos);
  EXPECT_NE(error_message(R"({"NULL": false})").find(R"(expected {"NULL": true})"),
            std::string::npos);
}

TEST(JsonCodec, RejectsMalformedContainers) {
  EXPECT_NE(error_message(R"({"M": []})").find("found an array"), std::string::npos);
  EXPECT_NE(error_message(R"({"L": {}})").find("found an object"), std::string::npos);
  EXPECT_NE(error_message(R"({"M": {"a": {"S": 1}}})").find("a: expected"), std::string::npos);
}

TEST(JsonCodec, RejectsMalformedSets) {
  EXPECT_NE(error_message(R"({"SS": []})").find("must not be empty"), std::string::npos);
  EXPECT_NE(error_message(R"({"SS": ["a", "a"]})").find("duplicates"), std::string::npos);
  EXPECT_NE(error_message(R"({"SS": "a"})").find("found a string"), std::string::npos);
  EXPECT_NE(error_message(R"({"SS": ["a", 1]})").find("[1]: expected a string"), std::string::npos);
  EXPECT_NE(error_message(R"({"NS": ["1", "one"]})").find("[1]: not a valid DynamoDB number"),
            std::string::npos);
  EXPECT_NE(error_message(R"({"BS": ["AA==", "A"]})").find("[1]: invalid base64"),
            std::string::npos);
  EXPECT_NE(error_message(R"({"BS": ["AA==", "AA=="]})").find("duplicates"), std::string::npos);
}

TEST(JsonCodec, RejectsAnItemThatIsNotAnObject) {
  const auto item = item_from_json(json::array());
  ASSERT_FALSE(item);
  EXPECT_EQ(item.error().message,
            "item: expected an object of attribute name to value, found an array");
}

// Defect found by clang-tidy (misc-no-recursion): the decoder recursed once per nested M/L with
// no bound, so a value nested a few hundred thousand levels deep (nlohmann's parser itself is
// iterative) overflowed the stack and crashed the process instead of failing that one value.
TEST(JsonCodec, RejectsNestingDeeperThanDynamoDbAllowsWithoutOverflowingTheStack) {
  constexpr int kLevels = 300000;
  std::string text;
  for (int level = 0; level < kLevels; ++level) {
    text += R"({"L":[)";
  }
  text += R"({"NULL":true})";
  for (int level = 0; level < kLevels; ++level) {
    text += "]}";
  }
  const auto value = attribute_value_from_json(json::parse(text));
  ASSERT_FALSE(value);
  EXPECT_EQ(value.error().code, "InvalidAttributeValue");
  EXPECT_NE(value.error().message.find("nested deeper than 32 levels"), std::string::npos)
      << value.error().message.substr(0, 200);
}

TEST(JsonCodec, AcceptsNestingAsDeepAsDynamoDbAllows) {
  std::string text = R"({"deep": )";
  for (int level = 0; level < 32; ++level) {
    text += R"({"M": {"next": )";
  }
  text += R"({"S": "leaf"})";
  for (int level = 0; level < 32; ++level) {
    text += "}}";
  }
  text += "}";
  const auto item = item_from_json(json::parse(text));
  ASSERT_TRUE(item) << item.error().message.substr(0, 200);
  EXPECT_EQ(item_to_json(*item), json::parse(text));
}

TEST(JsonCodec, NeverQuotesValuesInErrors) {
  const std::string message = error_message(R"({"M": {"ssn": {"N": "secret-123"}}})");
  EXPECT_EQ(message.find("secret-123"), std::string::npos) << message;
}

}  // namespace
}  // namespace dispatcher::core::dynamodb
