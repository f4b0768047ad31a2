#include "core/runner/checkpoint_arithmetic.h"

#include "core/dispatch/sequence_number.h"

namespace dispatcher::core::runner {

using dispatch::compare_sequence_numbers;

ShardPosition resume_position(const std::optional<Checkpoint>& checkpoint) {
  if (checkpoint && checkpoint->sequence_number) {
    return ShardPosition::after(*checkpoint->sequence_number);
  }
  return ShardPosition::trim_horizon();
}

Checkpoint checkpoint_after_batch(const std::optional<Checkpoint>& previous,
                                  const std::vector<LambdaRecord>& records,
                                  const std::optional<std::string>& retry_from) {
  Checkpoint next = previous.value_or(Checkpoint{});
  next.finished = false;
  for (const LambdaRecord& record : records) {
    if (retry_from && compare_sequence_numbers(record.sequence_number, *retry_from) >= 0) {
      continue;  // not done: it and everything after it are read again
    }
    if (!next.sequence_number ||
        compare_sequence_numbers(record.sequence_number, *next.sequence_number) > 0) {
      next.sequence_number = record.sequence_number;
    }
  }
  return next;
}

}  // namespace dispatcher::core::runner
