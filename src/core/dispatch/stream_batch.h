#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/dispatch/ports.h"
#include "core/dispatch/warning.h"

namespace dispatcher::core::dispatch {

/// The stream records the dispatcher acts on. REMOVE records never get here (the parser drops them
/// with a warning): deleting an event must not ring a doorbell.
enum class StreamEventName : unsigned char { kInsert, kModify };

/// One DynamoDB Streams record, reduced to what the dispatcher needs: the item's key.
struct StreamRecord {
  std::string sequence_number;  ///< decimal digits, see sequence_number.h
  AggregateId aggregate_id;     ///< Keys.id (S)
  std::int64_t version = 0;     ///< Keys.version (N, integer)
  StreamEventName event_name = StreamEventName::kInsert;

  friend bool operator==(const StreamRecord&, const StreamRecord&) = default;
};

/// What a record's version says it is.
enum class RecordKind : unsigned char {
  kEvent,   ///< version >= 0: an event; rings the aggregate's doorbell by a marker write
  kMarker,  ///< version == kMarkerVersion: the doorbell rang; dispatch the aggregate
  kUnknown  ///< any other negative version: not ours; ignored with a warning
};

[[nodiscard]] constexpr RecordKind record_kind(std::int64_t version) noexcept {
  if (version >= 0) {
    return RecordKind::kEvent;
  }
  return version == kMarkerVersion ? RecordKind::kMarker : RecordKind::kUnknown;
}

/// One Lambda invocation's records, in stream order, plus what the parser skipped.
struct StreamBatch {
  std::vector<StreamRecord> records;
  std::vector<Warning> warnings;
};

}  // namespace dispatcher::core::dispatch
