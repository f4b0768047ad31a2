#include "core/redrive/sqs_event.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/redrive/invocation_kind.h"

namespace dispatcher::core::redrive {
namespace {

using nlohmann::json;

// The shape of Lambda's SQS event (Lambda developer guide, "Using Lambda with Amazon SQS").
constexpr std::string_view kEvent = R"({"Records": [
  {"messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
   "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...",
   "body": "{\"DDBStreamBatchInfo\": {}}",
   "attributes": {"ApproximateReceiveCount": "2", "SentTimestamp": "1545082649183",
                  "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                  "ApproximateFirstReceiveTimestamp": "1545082649185"},
   "messageAttributes": {}, "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
   "eventSource": "aws:sqs",
   "eventSourceARN": "arn:aws:sqs:us-east-2:123456789012:my-queue", "awsRegion": "us-east-2"},
  {"messageId": "2e1424d4-f796-459a-8184-9c92662be6da", "body": "second",
   "attributes": {"SentTimestamp": "not a number"}, "eventSource": "aws:sqs"}]})";

TEST(SqsEvent, ReadsEachMessageIdBodyAndTimestamps) {
  auto messages = parse_sqs_event(kEvent);
  ASSERT_TRUE(messages) << messages.error().describe();
  ASSERT_EQ(messages->size(), 2U);
  EXPECT_EQ((*messages)[0],
            (SqsMessage{.message_id = "059f36b4-87a3-44ab-83d2-661975830a7d",
                        .body = "{\"DDBStreamBatchInfo\": {}}",
                        .sent_timestamp_ms = 1545082649183,
                        .receive_count = 2,
                        .event_source_arn = "arn:aws:sqs:us-east-2:123456789012:my-queue"}));
  EXPECT_EQ((*messages)[1].message_id, "2e1424d4-f796-459a-8184-9c92662be6da");
  EXPECT_EQ((*messages)[1].sent_timestamp_ms, std::nullopt) << "not a number: unknown";
  EXPECT_EQ((*messages)[1].receive_count, 0);
}

TEST(SqsEvent, FailsAnEventWhoseMessagesCannotBeNamed) {
  for (const char* text :
       {"", "[]", "{}", R"({"Records": {}})", R"({"Records": [1]})",
        R"({"Records": [{"body": "x"}]})", R"({"Records": [{"messageId": "", "body": "x"}]})",
        R"({"Records": [{"messageId": 5, "body": "x"}]})",
        R"({"Records": [{"messageId": "m", "body": {"a": 1}}]})"}) {
    auto messages = parse_sqs_event(text);
    ASSERT_FALSE(messages) << text;
    EXPECT_EQ(messages.error().code, "InvalidSqsEvent") << text;
  }
}

TEST(SqsBatchResponse, ListsEachFailedMessageOnce) {
  const std::vector<std::string> failed{"b", "a", "b"};
  EXPECT_EQ(
      json::parse(sqs_batch_response(failed)),
      json::parse(R"({"batchItemFailures":[{"itemIdentifier":"b"},{"itemIdentifier":"a"}]})"));
  EXPECT_EQ(json::parse(sqs_batch_response({})), json::parse(R"({"batchItemFailures":[]})"));
}

TEST(InvocationKind, TellsTheThreePayloadsApart) {
  EXPECT_EQ(detect_invocation_kind(kEvent), InvocationKind::kSqs);
  EXPECT_EQ(detect_invocation_kind(R"({"sweep": {}})"), InvocationKind::kSweep);
  EXPECT_EQ(detect_invocation_kind(R"({"sweep": {"rate": 5, "pageSize": 10}})"),
            InvocationKind::kSweep);
  EXPECT_EQ(detect_invocation_kind(
                R"({"Records":[{"eventID":"1","eventName":"INSERT","eventSource":"aws:dynamodb",)"
                R"("dynamodb":{"Keys":{"id":{"S":"a"}},"SequenceNumber":"1"}}]})"),
            InvocationKind::kDynamoDbStream);
}

TEST(InvocationKind, ReadsTheEventSourceWhereverItIsInTheFirstRecord) {
  EXPECT_EQ(
      detect_invocation_kind(
          R"({"Records":[{"body":"{\"eventSource\":\"aws:dynamodb\"}","attributes":{"eventSource":"x"},"eventSource":"aws:sqs"}]})"),
      InvocationKind::kSqs);
}

TEST(InvocationKind, TakesAnythingElseForAStreamEventWhoseParserNamesTheProblem) {
  for (const char* text : {"", "not json", "[]", "{}", R"({"Records": []})",
                           R"({"Records":[{"dynamodb":{"SequenceNumber":"1"}}]})",
                           R"({"Records":[{"eventSource":"aws:dynamodb"}], "sweep": {}})",
                           R"({"Records":[{"eventSource":5}]})", R"({"nested": {"sweep": {}}})"}) {
    EXPECT_EQ(detect_invocation_kind(text), InvocationKind::kDynamoDbStream) << text;
  }
}

}  // namespace
}  // namespace dispatcher::core::redrive
