#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/runner/ports.h"

namespace dispatcher::core::runner {

/// Where a shard with this checkpoint resumes: after its last dispatched record, or at the trim
/// horizon when it has none.
[[nodiscard]] ShardPosition resume_position(const std::optional<Checkpoint>& checkpoint);

/// The checkpoint after a batch was handled. `retry_from` is the handler's partial batch answer:
/// every record numerically before it is done, so the checkpoint moves to the last such record
/// (or stays where it was when there is none). Without a failure it moves to the batch's last
/// record. It never moves backwards. `finished` is not set here.
/// Precondition: sequence numbers satisfy dispatch::is_sequence_number.
[[nodiscard]] Checkpoint checkpoint_after_batch(const std::optional<Checkpoint>& previous,
                                                const std::vector<LambdaRecord>& records,
                                                const std::optional<std::string>& retry_from);

}  // namespace dispatcher::core::runner
