#pragma once

// The Lambda SQS event (the on-failure queue as an event source) and its partial batch response.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace dispatcher::core::redrive {

/// One message of an SQS event.
struct SqsMessage {
  std::string message_id;  ///< the itemIdentifier of a partial batch response
  std::string body;
  /// attributes.SentTimestamp (epoch milliseconds): when Lambda sent the on-failure record,
  /// i.e. when it gave up. nullopt when absent or not a whole number.
  std::optional<std::int64_t> sent_timestamp_ms;
  /// attributes.ApproximateReceiveCount; 0 when absent or not a whole number.
  std::int64_t receive_count = 0;
  std::string event_source_arn;

  friend bool operator==(const SqsMessage&, const SqsMessage&) = default;
};

/// Reads {"Records": [{"messageId", "body", "attributes": {...}, "eventSource": "aws:sqs",
/// "eventSourceARN", ...}]}. Error: permanent "InvalidSqsEvent" when the text is not JSON, has no
/// Records array, or a record is not an object, has no non-empty string messageId or no string
/// body: such a message cannot be named in a partial batch response, so the invocation fails.
[[nodiscard]] Result<std::vector<SqsMessage>> parse_sqs_event(std::string_view event_json);

/// {"batchItemFailures":[{"itemIdentifier":"<id>"},...]} with each id once, in the given order.
[[nodiscard]] std::string sqs_batch_response(std::span<const std::string> failed_message_ids);

}  // namespace dispatcher::core::redrive
