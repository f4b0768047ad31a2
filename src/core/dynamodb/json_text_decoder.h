#pragma once

// DynamoDB JSON read straight from text with simdjson's On-Demand API, for the responses whose
// bytes are many (Query pages, BatchGetItem answers) and the Lambda stream event. Only the clean
// case is decoded here: on anything irregular (a syntax error, a shape or value json_codec would
// refuse) these functions say so without detail, and the caller decodes the same text with the
// nlohmann path (json_codec), whose errors are the contract. So errors are the same by
// construction, and the fast path only has to agree with json_codec on what it accepts.
//
// Accepted text is a superset of what the nlohmann path accepts in one way only: a malformed
// scalar inside a member these functions skip (e.g. "ConsumedCapacity") is not looked at.
// simdjson still validates UTF-8 and the string and bracket structure of the whole text.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dynamodb/attribute_value.h"

namespace dispatcher::core::dynamodb {

/// The members of a Query (or Scan) response the adapters read.
struct QueryOutput {
  std::vector<Item> items;
  std::optional<Item> last_evaluated_key;
};

/// The members of a BatchGetItem response for one table.
struct BatchGetOutput {
  std::vector<Item> responses;         ///< Responses.<table>
  std::vector<Item> unprocessed_keys;  ///< UnprocessedKeys.<table>.Keys
};

/// simdjson needs this many readable bytes after the text; a std::string with that much spare
/// capacity is read in place, any other text is copied once into a padded buffer.
inline constexpr std::size_t kJsonPadding = 64;

/// A Query response body: "Items" (required, an array of items) and "LastEvaluatedKey" (optional,
/// an item or null); other members are skipped. nullopt: not the clean case (see above).
[[nodiscard]] std::optional<QueryOutput> decode_query_output(const std::string& body);

/// A BatchGetItem response body, for `table`. nullopt: not the clean case.
[[nodiscard]] std::optional<BatchGetOutput> decode_batch_get_output(const std::string& body,
                                                                    std::string_view table);

/// One item from its DynamoDB JSON text ({"name": {"S": ...}, ...}). nullopt: not the clean case
/// (item_from_json of the parsed text gives the error). For tests and fuzzing.
[[nodiscard]] std::optional<Item> decode_item_text(std::string_view text);

/// The key and sequence number of one stream record, as the stream event parser needs them.
struct StreamRecordKeys {
  std::string sequence_number;
  std::optional<std::string> event_name;  ///< nullopt when missing
  std::optional<Item> keys;               ///< dynamodb.Keys; nullopt when the member is missing
};

/// The records of a Lambda DynamoDB Streams event ({"Records": [{"eventName", "dynamodb":
/// {"Keys", "SequenceNumber", ...}}, ...]}), with only the members the parser reads. nullopt: not
/// the clean case (a record without a dynamodb object or a string SequenceNumber, keys that are
/// not DynamoDB JSON, a syntax error): the parser's nlohmann path names the problem.
[[nodiscard]] std::optional<std::vector<StreamRecordKeys>> decode_stream_event_keys(
    std::string_view text);

}  // namespace dispatcher::core::dynamodb
