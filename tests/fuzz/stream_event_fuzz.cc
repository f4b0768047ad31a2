// The Lambda DynamoDB Streams event (core::dispatch::parse_stream_event): the invocation payload.
//
// Invariants beyond not crashing:
//  - every input record is accounted for: it becomes a StreamRecord or a warning, never nothing
//    (an event dropped silently is an event never dispatched);
//  - every StreamRecord and warning carries the sequence number of its own input record, decimal
//    digits, so a partial batch response can always name it; records keep the input's order;
//  - a record's version is the exact integer of Keys.version and its aggregate id Keys.id;
//  - a refused event is a permanent "InvalidStreamEvent" with a message.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "core/dispatch/sequence_number.h"
#include "core/dispatch/stream_event_parser.h"
#include "core/dynamodb/attribute_value.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_text.h"

namespace {

using dispatcher::core::dispatch::is_sequence_number;
using dispatcher::core::dispatch::parse_stream_event;
using nlohmann::json;

/// The input record index a warning is about: its message starts with "Records[<index>] ".
std::optional<std::size_t> warned_index(const std::string& message) {
  constexpr std::string_view kPrefix = "Records[";
  if (!message.starts_with(kPrefix)) {
    return std::nullopt;
  }
  return static_cast<std::size_t>(std::stoull(message.substr(kPrefix.size())));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = dispatcher::fuzz::as_text(data, size);
  auto batch = parse_stream_event(text);
  if (!batch) {
    FUZZ_CHECK(batch.error().code == "InvalidStreamEvent", batch.error().code);
    FUZZ_CHECK(!batch.error().message.empty(), "an error without a message");
    FUZZ_CHECK(!batch.error().retryable(), "a malformed event cannot get better by retrying");
    return 0;
  }

  // The parser accepted it, so it is JSON with a Records array: the oracle reads it again.
  const json event = json::parse(text, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(event.is_object() && event.contains("Records") && event["Records"].is_array(),
             "an event accepted without a Records array");
  const json& records = event["Records"];
  FUZZ_CHECK(batch->records.size() + batch->warnings.size() == records.size(),
             "an input record became neither a record nor a warning");

  std::set<std::size_t> warned;
  for (const auto& warning : batch->warnings) {
    FUZZ_CHECK(!warning.code.empty() && !warning.message.empty(), "an empty warning");
    FUZZ_CHECK(is_sequence_number(warning.sequence_number), "a warning without a sequence number");
    const auto index = warned_index(warning.message);
    FUZZ_CHECK(index.has_value() && *index < records.size(), "a warning naming no input record");
    FUZZ_CHECK(warned.insert(*index).second, "two warnings for one record");
    FUZZ_CHECK(records[*index]["dynamodb"]["SequenceNumber"] == warning.sequence_number,
               "a warning with another record's sequence number");
  }

  std::size_t next = 0;
  for (std::size_t index = 0; index < records.size(); ++index) {
    if (warned.contains(index)) {
      continue;
    }
    FUZZ_CHECK(next < batch->records.size(), "fewer records than unwarned input records");
    const auto& record = batch->records[next++];
    const json& stream_data = records[index]["dynamodb"];
    FUZZ_CHECK(is_sequence_number(record.sequence_number), "a record without a sequence number");
    FUZZ_CHECK(stream_data["SequenceNumber"] == record.sequence_number,
               "a record with another record's sequence number (or out of order)");
    const json& keys = stream_data["Keys"];
    FUZZ_CHECK(keys["id"]["S"] == record.aggregate_id, "aggregate id is not Keys.id.S");
    const auto version = dispatcher::core::dynamodb::exact_integer(
        keys["version"]["N"].get_ref<const std::string&>());
    FUZZ_CHECK(version == record.version, "version is not Keys.version.N");
  }
  return 0;
}
