#include "core/dynamodb/json_text_decoder.h"

#include <gtest/gtest.h>

#include "core/dynamodb/json_codec.h"

namespace dispatcher::core::dynamodb {
namespace {

TEST(JsonTextDecoder, ReadsAQueryPageWithItsLastEvaluatedKey) {
  const std::string body =
      R"({"Count":2,"Items":[{"id":{"S":"Order:1"},"version":{"N":"0"},"data":{"B":"aGk="}},)"
      R"({"id":{"S":"Order:1"},"version":{"N":"1"},"headers":{"M":{"a":{"S":"b"}}}}],)"
      R"("LastEvaluatedKey":{"id":{"S":"Order:1"},"version":{"N":"1"}},"ScannedCount":2})";
  const auto output = decode_query_output(body);
  ASSERT_TRUE(output.has_value());
  ASSERT_EQ(output->items.size(), 2U);
  EXPECT_EQ(output->items[0], *item_from_json(nlohmann::json::parse(body)["Items"][0]));
  EXPECT_EQ(output->items[1], *item_from_json(nlohmann::json::parse(body)["Items"][1]));
  EXPECT_EQ(*binary_attribute(output->items[0], "data"), "hi");
  ASSERT_TRUE(output->last_evaluated_key.has_value());
  EXPECT_EQ(integer_attribute(*output->last_evaluated_key, "version"), 1);
}

TEST(JsonTextDecoder, LastEvaluatedKeyAbsentOrNullIsTheLastPage) {
  EXPECT_FALSE(decode_query_output(R"({"Items":[]})")->last_evaluated_key.has_value());
  EXPECT_FALSE(decode_query_output(R"({"Items":[],"LastEvaluatedKey":null})")->last_evaluated_key);
}

TEST(JsonTextDecoder, ReadsATextWithoutSpareCapacityAsWellAsOneWithIt) {
  std::string tight = R"({"Items":[{"id":{"S":"x"}}]})";
  tight.shrink_to_fit();
  std::string roomy = tight;
  roomy.reserve(roomy.size() + 1000);
  EXPECT_EQ(decode_query_output(tight)->items, decode_query_output(roomy)->items);
}

// Declining sends the text to the nlohmann path, whose errors are the contract.
TEST(JsonTextDecoder, DeclinesWhatIsNotTheCleanCase) {
  for (const char* body : {
           R"({"Count":0})",                           // no Items
           R"({"Items":{}})",                          // Items not an array
           R"({"Items":[]} trailing)",                 // text after the object
           R"({"Items":[{"id":{"S":"x","N":"1"}}]})",  // two type keys
           R"({"Items":[{"id":{"S":"x","S":"y"}}]})",  // a repeated type key
           R"({"Items":[{"id":{"N":"1x"}}]})",         // not a DynamoDB number
           R"({"Items":[{"id":{"B":"a"}}]})",          // not base64
           R"({"Items":[{"id":{"SS":[]}}]})",          // empty set
           R"({"Items":[{"id":{"NS":["1","1"]}}]})",   // duplicates in a set
           R"({"Items":[{"id":{"NULL":false}}]})",     // NULL must be true
           R"({"Items":[{"id":{"X":"1"}}]})",          // unknown type
           R"({"Items":[7]})",                         // an item that is not an object
           R"({"Items":[{"id":{"S":"x"}})",            // cut short
           R"([])",                                    // not an object
       }) {
    EXPECT_FALSE(decode_query_output(body).has_value()) << body;
  }
}

TEST(JsonTextDecoder, ARepeatedAttributeNameKeepsTheLastValueAsTheNlohmannPathDoes) {
  const std::string text = R"({"a":{"S":"first"},"a":{"S":"second"}})";
  const auto fast = decode_item_text(text);
  ASSERT_TRUE(fast.has_value());
  EXPECT_EQ(*fast, *item_from_json(nlohmann::json::parse(text)));
  EXPECT_EQ(*string_attribute(*fast, "a"), "second");
}

TEST(JsonTextDecoder, ReadsTheBatchGetAnswerOfOneTable) {
  const std::string body =
      R"({"Responses":{"other":[{"id":{"S":"z"}}],"offsets":[{"id":{"S":"a"},"version":{"N":"3"}}]},)"
      R"("UnprocessedKeys":{"offsets":{"Keys":[{"id":{"S":"b"}}],"ConsistentRead":true}}})";
  const auto output = decode_batch_get_output(body, "offsets");
  ASSERT_TRUE(output.has_value());
  ASSERT_EQ(output->responses.size(), 1U);
  EXPECT_EQ(*string_attribute(output->responses[0], "id"), "a");
  ASSERT_EQ(output->unprocessed_keys.size(), 1U);
  EXPECT_EQ(*string_attribute(output->unprocessed_keys[0], "id"), "b");
  const auto empty = decode_batch_get_output(R"({"Responses":{},"UnprocessedKeys":{}})", "offsets");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->responses.empty());
  EXPECT_TRUE(empty->unprocessed_keys.empty());
  EXPECT_FALSE(decode_batch_get_output(R"({"Responses":{"offsets":[{"id":{"S":1}}]}})", "offsets"));
}

TEST(JsonTextDecoder, ReadsTheKeysOfStreamRecords) {
  const auto records = decode_stream_event_keys(
      R"({"Records":[{"eventID":"1","eventName":"INSERT","dynamodb":{"Keys":{"id":{"S":"a"},)"
      R"("version":{"N":"2"}},"SequenceNumber":"7","SizeBytes":5}},)"
      R"({"dynamodb":{"SequenceNumber":"8"},"eventName":"REMOVE"}]})");
  ASSERT_TRUE(records.has_value());
  ASSERT_EQ(records->size(), 2U);
  EXPECT_EQ((*records)[0].sequence_number, "7");
  EXPECT_EQ((*records)[0].event_name, "INSERT");
  ASSERT_TRUE((*records)[0].keys.has_value());
  EXPECT_EQ(integer_attribute(*(*records)[0].keys, "version"), 2);
  EXPECT_FALSE((*records)[1].keys.has_value());
  EXPECT_EQ((*records)[1].event_name, "REMOVE");
  EXPECT_FALSE(decode_stream_event_keys(R"({"Records":[{"eventName":"INSERT"}]})"));
  EXPECT_FALSE(decode_stream_event_keys(R"({"Records":[{"dynamodb":{"SequenceNumber":1}}]})"));
}

/// `levels` nested M values under the attribute "deep", around one S.
std::string item_nested(int levels) {
  std::string text = R"({"deep": )";
  for (int level = 0; level < levels; ++level) {
    text += R"({"M": {"next": )";
  }
  text += R"({"S": "leaf"})";
  for (int level = 0; level < levels; ++level) {
    text += "}}";
  }
  return text + "}";
}

// The fast path accepted M/L values nested deeper than the 32 levels json_codec refuses (up to
// simdjson's own depth limit), so whether a deep item was refused depended on which path read it.
TEST(JsonTextDecoder, DeclinesNestingDeeperThanDynamoDbAllowsSoJsonCodecRefusesIt) {
  EXPECT_TRUE(decode_item_text(item_nested(32)).has_value());
  EXPECT_FALSE(decode_item_text(item_nested(33)).has_value());
  EXPECT_FALSE(decode_item_text(item_nested(500)).has_value());
}

// On-Demand validates only what it reads: a page whose skipped member (ScannedCount) was malformed
// was decoded by the fast path although the nlohmann path refuses the text (found by
// fuzz_dynamodb_response; tests/fuzz/regressions/dynamodb_response/skipped_member_malformed).
TEST(JsonTextDecoder, DeclinesATextMalformedInAMemberItDoesNotRead) {
  const std::string page = R"({"Count":1,"Items":[{"id":{"S":"Order:1"}}],"ScannedCount":2a@})";
  EXPECT_FALSE(decode_query_output(page).has_value());
  EXPECT_TRUE(
      decode_query_output(R"({"Count":1,"Items":[{"id":{"S":"Order:1"}}],"ScannedCount":2})")
          .has_value());
}

}  // namespace
}  // namespace dispatcher::core::dynamodb
