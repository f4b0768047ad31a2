#include "core/redrive/on_failure_record.h"

#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

namespace dispatcher::core::redrive {
namespace {

using nlohmann::json;

// The example invocation record of the Lambda developer guide ("Retain discarded records for a
// DynamoDB event source in Lambda"), field by field.
json documented_record() {
  return json::parse(R"({
    "requestContext": {
      "requestId": "316aa6d0-8154-xmpl-9af7-85d5f4a6bc81",
      "functionArn": "arn:aws:lambda:us-east-2:123456789012:function:myfunction",
      "condition": "RetryAttemptsExhausted",
      "approximateInvokeCount": 1
    },
    "responseContext": {
      "statusCode": 200,
      "executedVersion": "$LATEST",
      "functionError": "Unhandled"
    },
    "version": "1.0",
    "timestamp": "2019-11-14T00:13:49.717Z",
    "DDBStreamBatchInfo": {
      "shardId": "shardId-00000001573689847184-864758bb",
      "startSequenceNumber": "800000000003126276362",
      "endSequenceNumber": "800000000003126276362",
      "approximateArrivalOfFirstRecord": "2019-11-14T00:13:19Z",
      "approximateArrivalOfLastRecord": "2019-11-14T00:13:19Z",
      "batchSize": 1,
      "streamArn": "arn:aws:dynamodb:us-east-2:123456789012:table/mytable/stream/2019-11-14T00:04:06.388"
    }
  })");
}

std::string error_of(const json& document) {
  auto parsed = parse_on_failure_record(document.dump());
  EXPECT_FALSE(parsed.has_value()) << document.dump();
  if (parsed) {
    return "";
  }
  EXPECT_EQ(parsed.error().code, "InvalidOnFailureRecord");
  EXPECT_FALSE(parsed.error().retryable());
  return parsed.error().message;
}

TEST(OnFailureRecord, ReadsTheDocumentedRecordFieldByField) {
  auto parsed = parse_on_failure_record(documented_record().dump());
  ASSERT_TRUE(parsed) << parsed.error().describe();
  EXPECT_EQ(parsed->version, "1.0");
  EXPECT_EQ(parsed->timestamp, "2019-11-14T00:13:49.717Z");
  EXPECT_EQ(parsed->request_id, "316aa6d0-8154-xmpl-9af7-85d5f4a6bc81");
  EXPECT_EQ(parsed->function_arn, "arn:aws:lambda:us-east-2:123456789012:function:myfunction");
  EXPECT_EQ(parsed->condition, "RetryAttemptsExhausted");
  EXPECT_EQ(parsed->approximate_invoke_count, 1);
  EXPECT_EQ(parsed->status_code, 200);
  EXPECT_EQ(parsed->executed_version, "$LATEST");
  EXPECT_EQ(parsed->function_error, "Unhandled");
  EXPECT_EQ(parsed->batch,
            (StreamBatchInfo{.shard_id = "shardId-00000001573689847184-864758bb",
                             .start_sequence_number = "800000000003126276362",
                             .end_sequence_number = "800000000003126276362",
                             .stream_arn = "arn:aws:dynamodb:us-east-2:123456789012:table/"
                                           "mytable/stream/2019-11-14T00:04:06.388",
                             .approximate_arrival_of_first_record = "2019-11-14T00:13:19Z",
                             .approximate_arrival_of_last_record = "2019-11-14T00:13:19Z",
                             .batch_size = 1}));
}

TEST(OnFailureRecord, AcceptsAPartialBatchResponseWithoutFunctionError) {
  json record = documented_record();
  record["responseContext"].erase("functionError");
  record["requestContext"]["condition"] = "RecordAgeExceeded";
  auto parsed = parse_on_failure_record(record.dump());
  ASSERT_TRUE(parsed) << parsed.error().describe();
  EXPECT_EQ(parsed->function_error, "");
  EXPECT_EQ(parsed->condition, "RecordAgeExceeded");
}

TEST(OnFailureRecord, ComparesSequenceNumbersAsNumbers) {
  json record = documented_record();
  record["DDBStreamBatchInfo"]["startSequenceNumber"] = "99";
  record["DDBStreamBatchInfo"]["endSequenceNumber"] = "100";
  EXPECT_TRUE(parse_on_failure_record(record.dump()));
  record["DDBStreamBatchInfo"]["startSequenceNumber"] = "101";
  EXPECT_NE(error_of(record).find("is after endSequenceNumber 100"), std::string::npos);
}

TEST(OnFailureRecord, RefusesTextThatIsNotAJsonObject) {
  for (const char* text : {"", "not json", "[1,2]", "\"text\"", "{\"DDBStreamBatchInfo\":"}) {
    auto parsed = parse_on_failure_record(text);
    ASSERT_FALSE(parsed) << text;
    EXPECT_EQ(parsed.error().code, "InvalidOnFailureRecord");
  }
}

TEST(OnFailureRecord, NamesTheMemberThatIsMissingOrWrong) {
  struct Case {
    std::string pointer;  // JSON pointer of the member to change
    json value;           // nullptr: remove it
    std::string named;
  };
  const Case cases[] = {
      {"/DDBStreamBatchInfo", nullptr, "DDBStreamBatchInfo is missing"},
      {"/DDBStreamBatchInfo", "text", "DDBStreamBatchInfo is not an object"},
      {"/DDBStreamBatchInfo/shardId", nullptr, "shardId is missing"},
      {"/DDBStreamBatchInfo/shardId", "", "shardId is empty"},
      {"/DDBStreamBatchInfo/startSequenceNumber", 800, "startSequenceNumber is not a string"},
      {"/DDBStreamBatchInfo/startSequenceNumber", "8000x", "is not a sequence number"},
      {"/DDBStreamBatchInfo/endSequenceNumber", "-1", "endSequenceNumber '-1' is not"},
      {"/DDBStreamBatchInfo/streamArn", "arn:aws:kinesis:us-east-2:1:stream/s",
       "is not a DynamoDB stream ARN"},
      {"/DDBStreamBatchInfo/streamArn", "arn:aws:dynamodb:us-east-2:1:table/t",
       "is not a DynamoDB stream ARN"},
      {"/DDBStreamBatchInfo/batchSize", nullptr, "batchSize is missing"},
      {"/DDBStreamBatchInfo/batchSize", 0, "batchSize is 0"},
      {"/DDBStreamBatchInfo/batchSize", "1", "batchSize is not an integer"},
      {"/DDBStreamBatchInfo/batchSize", 1.5, "batchSize is not an integer"},
      {"/DDBStreamBatchInfo/approximateArrivalOfFirstRecord", 5,
       "approximateArrivalOfFirstRecord is not a string"},
      {"/requestContext", nullptr, "requestContext is missing"},
      {"/requestContext/condition", nullptr, "condition is missing"},
      {"/requestContext/approximateInvokeCount", "1", "approximateInvokeCount is not an integer"},
      {"/requestContext/approximateInvokeCount", -1, "approximateInvokeCount is negative"},
      {"/requestContext/requestId", 7, "requestId is not a string"},
      {"/responseContext", nullptr, "responseContext is missing"},
      {"/responseContext/statusCode", "200", "statusCode is not an integer"},
      {"/responseContext/functionError", false, "functionError is not a string"},
      {"/timestamp", 1573690429717, "timestamp is not a string"},
  };
  for (const auto& test : cases) {
    json record = documented_record();
    const json::json_pointer pointer(test.pointer);
    if (test.value.is_null()) {
      record[pointer.parent_pointer()].erase(pointer.back());
    } else {
      record[pointer] = test.value;
    }
    const std::string message = error_of(record);
    EXPECT_NE(message.find(test.named), std::string::npos)
        << test.pointer << ": '" << message << "' does not name '" << test.named << "'";
  }
}

TEST(OnFailureRecord, NamesAKinesisRecordAsSuch) {
  json record = documented_record();
  record["KinesisBatchInfo"] = record["DDBStreamBatchInfo"];
  record.erase("DDBStreamBatchInfo");
  EXPECT_NE(error_of(record).find("Kinesis"), std::string::npos);
}

TEST(OnFailureRecord, KeepsLongBadValuesOutOfTheMessage) {
  json record = documented_record();
  record["DDBStreamBatchInfo"]["startSequenceNumber"] = std::string(10'000, 'x');
  EXPECT_LT(error_of(record).size(), 300U);
}

TEST(StreamTableName, ReadsTheTableOfAStreamArn) {
  EXPECT_EQ(stream_table_name(
                "arn:aws:dynamodb:us-east-2:123456789012:table/my.table-1/stream/2019-11-14T00:04"),
            "my.table-1");
  EXPECT_EQ(stream_table_name("arn:aws-cn:dynamodb:cn-north-1:1:table/t/stream/l"), "t");
  EXPECT_EQ(stream_table_name("arn:aws:dynamodb:ddblocal:000000000000:table/e/stream/2026"), "e");
}

TEST(StreamTableName, RefusesOtherArns) {
  for (const char* arn :
       {"", "arn:aws:dynamodb:us-east-2:1:table/t", "arn:aws:dynamodb:us-east-2:1:table//stream/l",
        "arn:aws:dynamodb:us-east-2:1:table/t/stream/", "arn:aws:sqs:us-east-2:1:table/t/stream/l",
        "arn::dynamodb:r:1:table/t/stream/l", "table/t/stream/l", "arn:aws:dynamodb:r"}) {
    EXPECT_EQ(stream_table_name(arn), std::nullopt) << arn;
  }
}

}  // namespace
}  // namespace dispatcher::core::redrive
