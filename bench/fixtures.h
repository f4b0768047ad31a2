#pragma once

// Inputs shared by the benchmarks and the instruction-count harness, so every figure in
// docs/benchmarks.md is measured on the same bytes.

#include <cstddef>
#include <string>

namespace dispatcher::bench {

/// A Lambda DynamoDB Streams event of `records` KEYS_ONLY records over `aggregates` aggregates:
/// mostly events, one in five a change marker, with real-length sequence numbers and the fields
/// Lambda sends (eventID, eventSourceARN, ...).
[[nodiscard]] std::string keys_only_event(int records, int aggregates);

/// A DynamoDB Query response body of at least `target_bytes`: event items of the seed schema
/// (about 900 bytes each: a ~300-byte base64 JSON payload, three headers), Count, ScannedCount
/// and LastEvaluatedKey, as DynamoDB writes it.
[[nodiscard]] std::string query_response(std::size_t target_bytes);

/// query_response(1 MiB), built once.
[[nodiscard]] const std::string& one_megabyte_response();

}  // namespace dispatcher::bench
