// The SQS on-failure path (core::redrive): the SQS event Lambda invokes the function with, the
// on-failure record in each message body, and the payload-kind detection in front of both.
//
// Invariants beyond not crashing:
//  - a refused SQS event is a permanent "InvalidSqsEvent"; an accepted one has, per input record,
//    one message with a non-empty messageId equal to the input's (a message without it could not
//    be named in batchItemFailures, so its range would be acknowledged without being redriven);
//  - the partial batch response for every accepted message names each of them exactly once;
//  - a refused on-failure record is a permanent "InvalidOnFailureRecord" with a message; an
//    accepted one has a shard, a sequence number range that is not reversed, batchSize >= 1, and a
//    stream ARN whose table name can be read (the range can always be read back or swept);
//  - the accepted fields are the input's members, read again by an independent parser.

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/dispatch/sequence_number.h"
#include "core/redrive/invocation_kind.h"
#include "core/redrive/on_failure_record.h"
#include "core/redrive/sqs_event.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_text.h"

namespace {

using dispatcher::core::dispatch::compare_sequence_numbers;
using dispatcher::core::dispatch::is_sequence_number;
using dispatcher::core::redrive::detect_invocation_kind;
using dispatcher::core::redrive::parse_on_failure_record;
using dispatcher::core::redrive::parse_sqs_event;
using dispatcher::core::redrive::sqs_batch_response;
using dispatcher::core::redrive::stream_table_name;
using nlohmann::json;

void check_record(std::string_view body) {
  auto record = parse_on_failure_record(body);
  if (!record) {
    FUZZ_CHECK(record.error().code == "InvalidOnFailureRecord", record.error().code);
    FUZZ_CHECK(!record.error().message.empty(), "an error without a message");
    FUZZ_CHECK(!record.error().retryable(), "a malformed record cannot get better by retrying");
    return;
  }
  const auto& batch = record->batch;
  FUZZ_CHECK(!batch.shard_id.empty(), "a record without a shard");
  FUZZ_CHECK(is_sequence_number(batch.start_sequence_number), "start is not a sequence number");
  FUZZ_CHECK(is_sequence_number(batch.end_sequence_number), "end is not a sequence number");
  FUZZ_CHECK(compare_sequence_numbers(batch.start_sequence_number, batch.end_sequence_number) <= 0,
             "a reversed range");
  FUZZ_CHECK(batch.batch_size >= 1, "an empty batch");
  FUZZ_CHECK(stream_table_name(batch.stream_arn).has_value(), "a stream ARN without a table");

  const json document = json::parse(body, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(document.is_object(), "a record accepted that is not a JSON object");
  const json& info = document["DDBStreamBatchInfo"];
  FUZZ_CHECK(info["shardId"] == batch.shard_id, "shardId is not the input's");
  FUZZ_CHECK(info["startSequenceNumber"] == batch.start_sequence_number,
             "startSequenceNumber is not the input's");
  FUZZ_CHECK(info["endSequenceNumber"] == batch.end_sequence_number,
             "endSequenceNumber is not the input's");
  FUZZ_CHECK(info["streamArn"] == batch.stream_arn, "streamArn is not the input's");
  FUZZ_CHECK(info["batchSize"] == batch.batch_size, "batchSize is not the input's");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = dispatcher::fuzz::as_text(data, size);
  (void)detect_invocation_kind(text);

  // The input as a message body on its own: the usual shape of a finding.
  check_record(text);

  // The input as an SQS event.
  auto messages = parse_sqs_event(text);
  if (!messages) {
    FUZZ_CHECK(messages.error().code == "InvalidSqsEvent", messages.error().code);
    FUZZ_CHECK(!messages.error().message.empty(), "an error without a message");
    return 0;
  }
  const json event = json::parse(text, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(event.is_object() && event.contains("Records") && event["Records"].is_array(),
             "an SQS event accepted without a Records array");
  FUZZ_CHECK(messages->size() == event["Records"].size(), "a message dropped or invented");
  std::vector<std::string> ids;
  for (std::size_t index = 0; index < messages->size(); ++index) {
    const auto& message = (*messages)[index];
    FUZZ_CHECK(!message.message_id.empty(), "a message that cannot be named");
    FUZZ_CHECK(event["Records"][index]["messageId"] == message.message_id,
               "messageId is not the input's (or out of order)");
    ids.push_back(message.message_id);
    check_record(message.body);
  }
  const json response = json::parse(sqs_batch_response(ids), nullptr, false);
  FUZZ_CHECK(response.is_object() && response["batchItemFailures"].is_array(),
             "a partial batch response that is not one");
  std::set<std::string> named;
  for (const auto& failure : response["batchItemFailures"]) {
    FUZZ_CHECK(failure["itemIdentifier"].is_string(), "an itemIdentifier that is not a string");
    FUZZ_CHECK(named.insert(failure["itemIdentifier"].get<std::string>()).second,
               "a message named twice");
  }
  FUZZ_CHECK(named == std::set<std::string>(ids.begin(), ids.end()),
             "the response does not name exactly the failed messages");
  return 0;
}
