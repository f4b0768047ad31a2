#pragma once

// Redriving one given-up range: read it back from the stream and ring the doorbell of every
// aggregate in it, with the dispatcher's own marker write (EventStore::write_markers). Ringing is
// idempotent: a range redriven twice rings twice, which costs one no-op dispatch.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/dispatch/ports.h"
#include "core/dispatch/stream_batch.h"
#include "core/redrive/on_failure_record.h"
#include "core/result.h"
#include "core/time_budget.h"

namespace dispatcher::core::redrive {

/// What a shard iterator request found.
enum class IteratorStatus : unsigned char {
  kOk,
  kTrimmed,        ///< TrimmedDataAccessException: the sequence number is past the retention
  kShardNotFound,  ///< ResourceNotFoundException: the stream or shard no longer exists
  kNotInShard,     ///< ValidationException: the sequence number is not (any more) in the shard
};

struct RangeIterator {
  IteratorStatus status = IteratorStatus::kOk;
  std::string iterator;  ///< set with kOk
};

enum class PageStatus : unsigned char { kRecords, kTrimmed, kIteratorExpired };

/// One GetRecords page, reduced to what redrive needs.
struct RangePage {
  PageStatus status = PageStatus::kRecords;
  /// The page's records the dispatcher acts on (as the stream event parser keeps them).
  std::vector<dispatch::StreamRecord> records;
  /// The sequence number of the page's last record of any kind; nullopt for an empty page.
  std::optional<std::string> last_sequence_number;
  /// nullopt with kRecords: the shard is closed and has been read to its end.
  std::optional<std::string> next_iterator;
};

/// Reads a stream shard (implemented over DynamoDB Streams; in memory in tests).
class StreamRangeReader {
 public:
  virtual ~StreamRangeReader() = default;
  /// GetShardIterator AT_SEQUENCE_NUMBER (`after` false) or AFTER_SEQUENCE_NUMBER (`after` true)
  /// on batch.stream_arn / batch.shard_id.
  [[nodiscard]] virtual Result<RangeIterator> iterator_at(const StreamBatchInfo& batch,
                                                          std::string_view sequence_number,
                                                          bool after, Deadline deadline) = 0;
  /// GetRecords from `iterator`.
  [[nodiscard]] virtual Result<RangePage> read(const std::string& iterator, Deadline deadline) = 0;
};

enum class RangeOutcome : unsigned char {
  kRung,        ///< the whole range was read and every aggregate in it rung: acknowledge it
  kTrimmed,     ///< the range is no longer in the stream: fall back to a sweep
  kIncomplete,  ///< not finished (an error, the time budget): do not acknowledge; retried later
};

struct RangeRedrive {
  RangeOutcome outcome = RangeOutcome::kIncomplete;
  std::vector<dispatch::AggregateId> rung;  ///< each once, in stream order
  std::size_t records_read = 0;             ///< records of the range acted on (events, markers)
  std::size_t pages = 0;
  std::optional<Error> error;  ///< why kIncomplete, or the trim (kTrimmed)
};

/// Limits of one range read.
struct RangeLimits {
  std::size_t max_pages = 10'000;            ///< GetRecords calls per range
  std::chrono::milliseconds reserve{1'000};  ///< kept back of the budget for the marker write
};

/// Reads [batch.start_sequence_number, batch.end_sequence_number] of the shard (a record past the
/// end, or the shard's end, stops the read), then writes one marker with `trigger` per aggregate
/// that has an event or marker record in it. Out of time or pages: kIncomplete with a retryable
/// "RedriveIncomplete" error (nothing is rung). A failed marker write: kIncomplete with it.
[[nodiscard]] RangeRedrive redrive_range(StreamRangeReader& reader, dispatch::EventStore& store,
                                         const StreamBatchInfo& batch, const std::string& trigger,
                                         const TimeBudget& budget, const Clock& clock,
                                         const RangeLimits& limits = {});

/// The marker trigger of a redrive: "redrive:<UTC time with milliseconds>:<message id>", new for
/// every delivery, so the marker write changes the item and makes a stream record.
[[nodiscard]] std::string redrive_trigger(std::chrono::system_clock::time_point now,
                                          std::string_view message_id);

}  // namespace dispatcher::core::redrive
