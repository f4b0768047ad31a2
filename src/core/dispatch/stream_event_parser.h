#pragma once

#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "core/dispatch/stream_batch.h"
#include "core/result.h"

namespace dispatcher::core::dispatch {

/// Reads the standard Lambda DynamoDB Streams event, {"Records": [{"eventID", "eventName",
/// "eventSource", "awsRegion", "eventSourceARN", "dynamodb": {"Keys", "NewImage"?, "OldImage"?,
/// "SequenceNumber", "SizeBytes", "StreamViewType", "ApproximateCreationDateTime"}}]}, of any
/// stream view type: only Keys and SequenceNumber are read, so KEYS_ONLY suffices.
///
/// Keeps INSERT and MODIFY records whose key has a string `id` and an integer `version`, in order.
/// Skips, each with a warning in the batch: REMOVE records ("RemoveRecordIgnored"), records with
/// another or no eventName ("UnknownEventName"), keys that are not valid DynamoDB JSON
/// ("InvalidRecordKey"), keys without a string id ("RecordWithoutId") or without an integer version
/// ("RecordWithoutVersion").
///
/// Error: permanent "InvalidStreamEvent" naming what is wrong, when the text is not JSON, has no
/// Records array, or a record is not an object or has no SequenceNumber of decimal digits: such a
/// batch cannot be acted on, nor can the failed record be named in a partial batch response.
[[nodiscard]] Result<StreamBatch> parse_stream_event(std::string_view event_json);

/// As parse_stream_event, for an event already parsed as JSON. (A separate name: a std::string
/// argument would convert to both std::string_view and nlohmann::json.)
[[nodiscard]] Result<StreamBatch> stream_batch_from_json(const nlohmann::json& event);

}  // namespace dispatcher::core::dispatch
