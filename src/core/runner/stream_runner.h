#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/observability/logger.h"
#include "core/result.h"
#include "core/runner/backoff.h"
#include "core/runner/ports.h"

namespace dispatcher::core::runner {

struct StreamRunnerOptions {
  int batch_size = 100;  ///< records per GetRecords (DynamoDB Streams allows up to 1000)
  /// How often the shard list is read again to find new shards (also at once after a shard ends).
  std::chrono::milliseconds shard_refresh_interval{10'000};
  /// Backoff of a shard whose batch, read or checkpoint failed.
  std::chrono::milliseconds failure_backoff_floor{500};
  std::chrono::milliseconds failure_backoff_ceiling{30'000};
};

/// What one step did.
struct StepReport {
  std::size_t records = 0;  ///< records read (and handed to the handler)
  std::size_t batches = 0;  ///< batches handed to the handler
  std::size_t failed_batches = 0;
  std::size_t shards_finished = 0;
};

/// Reads the stream shard by shard, parents before children, hands each page of records to the
/// handler and checkpoints what it reports done. It is the runner's loop body; the caller owns
/// the loop, the lease, signals and idle sleeping (app/runner).
class StreamRunner {
 public:
  StreamRunner(StreamSource& source, CheckpointStore& checkpoints, BatchHandler& handler,
               const Clock& clock, observability::Logger& logger, StreamRunnerOptions options);

  /// Reads one page of every shard that may be read now (lineage, backoff) and handles it.
  /// `keep_going` is asked before each shard: false ends the step (shutdown, lease lost).
  /// Per-shard failures are logged and backed off, not returned. Error: the shard list could
  /// not be read.
  [[nodiscard]] Result<StepReport> step(Deadline deadline, const std::function<bool()>& keep_going);

  /// Forgets iterators and cached checkpoints: after the lease was lost another runner may have
  /// moved them on, so they are read again from the state table.
  void forget();

  /// Shards known and not yet finished (for tests and logs).
  [[nodiscard]] std::vector<std::string> open_shards() const;

 private:
  struct ShardState {
    ShardDescription description;
    bool checkpoint_loaded = false;
    std::optional<Checkpoint> checkpoint;  ///< as last saved (or to be saved when unsaved)
    bool unsaved = false;                  ///< the last save failed; retried before reading
    std::optional<std::string> iterator;
    std::optional<ShardPosition> next_position;  ///< overrides the checkpoint's resume position
    std::chrono::steady_clock::time_point not_before;
    /// A read said "trimmed" and the shard is being re-read from its checkpoint to find out
    /// whether records were really lost (DynamoDB Local says so of live iterators too).
    bool rechecking_trim = false;
    Backoff failures;
  };

  [[nodiscard]] Status refresh_shards(Deadline deadline);
  void read_shard(ShardState& shard, Deadline deadline, StepReport& report);
  [[nodiscard]] bool prepare(ShardState& shard, Deadline deadline);
  [[nodiscard]] bool save(ShardState& shard, Deadline deadline);
  void back_off(ShardState& shard, std::string_view what, const Error& error);
  [[nodiscard]] bool finished(const std::string& shard_id) const;

  StreamSource& source_;
  CheckpointStore& checkpoints_;
  BatchHandler& handler_;
  const Clock& clock_;
  observability::Logger& logger_;
  StreamRunnerOptions options_;
  std::map<std::string, ShardState> shards_;
  std::vector<ShardDescription> listed_;  ///< the last shard list, parents first
  std::optional<std::chrono::steady_clock::time_point> refreshed_at_;
};

}  // namespace dispatcher::core::runner
