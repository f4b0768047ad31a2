#pragma once

// The record Lambda's event source mapping sends to an on-failure destination (here: the SQS
// on-failure queue) when it gives up on a DynamoDB Streams batch: the batch's shard and sequence
// number range, never the records themselves. Shape: docs.aws.amazon.com, Lambda developer
// guide, "Retain discarded records for a DynamoDB event source".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace dispatcher::core::redrive {

/// DDBStreamBatchInfo: where the given-up batch was in the stream.
struct StreamBatchInfo {
  std::string shard_id;
  std::string start_sequence_number;  ///< decimal digits (dispatch/sequence_number.h)
  std::string end_sequence_number;    ///< decimal digits, not before start_sequence_number
  std::string stream_arn;  ///< arn:<partition>:dynamodb:<region>:<account>:table/T/stream/L
  std::string approximate_arrival_of_first_record;  ///< ISO-8601, as Lambda wrote it
  std::string approximate_arrival_of_last_record;   ///< ISO-8601, as Lambda wrote it
  std::int64_t batch_size = 0;                      ///< records in the range, >= 1

  friend bool operator==(const StreamBatchInfo&, const StreamBatchInfo&) = default;
};

/// One on-failure invocation record.
struct OnFailureRecord {
  std::string version;    ///< "1.0"
  std::string timestamp;  ///< when Lambda gave up, ISO-8601
  // requestContext
  std::string request_id;
  std::string function_arn;
  std::string condition;  ///< "RetryAttemptsExhausted", "RecordAgeExceeded", ...
  std::int64_t approximate_invoke_count = 0;
  // responseContext
  std::optional<std::int64_t> status_code;
  std::string executed_version;
  std::string function_error;  ///< "Unhandled", or empty (a partial batch response)
  StreamBatchInfo batch;

  friend bool operator==(const OnFailureRecord&, const OnFailureRecord&) = default;
};

/// Reads one on-failure record (the SQS message body). Pure; never throws.
///
/// Required: a JSON object with objects requestContext (condition: string, approximateInvokeCount:
/// integer >= 0; requestId and functionArn strings when present), responseContext (statusCode
/// integer, executedVersion and functionError strings, each when present) and DDBStreamBatchInfo
/// (shardId: non-empty string; startSequenceNumber, endSequenceNumber: decimal digits, start <=
/// end; streamArn: a DynamoDB stream ARN; batchSize: integer >= 1; the two approximateArrival
/// times strings when present); version and timestamp strings when present.
///
/// Error: permanent "InvalidOnFailureRecord" naming the first member that is missing or wrong
/// (a Kinesis record, KinesisBatchInfo, is named as such).
[[nodiscard]] Result<OnFailureRecord> parse_on_failure_record(std::string_view body);

/// The table name in a DynamoDB stream ARN ("arn:aws:dynamodb:r:a:table/Events/stream/2026-...")
/// or nullopt when `stream_arn` is not one.
[[nodiscard]] std::optional<std::string> stream_table_name(std::string_view stream_arn);

}  // namespace dispatcher::core::redrive
