#include "adapters/dynamodb/batch_rounds.h"

#include <algorithm>
#include <string>
#include <utility>

#include "adapters/dynamodb/wire_format.h"

namespace dispatcher::adapters::dynamodb::detail {
namespace {

core::Error unprocessed_error(const BatchRoundsPlan& plan, int rounds, bool deadline) {
  std::string message = std::string(plan.operation) + ": DynamoDB left this entry unprocessed";
  message += deadline ? " and the deadline came before another round"
                      : " after " + std::to_string(rounds) + " rounds";
  return with_service(core::retryable_error(std::string(plan.unprocessed_code), message));
}

}  // namespace

void run_batch_rounds(aws::JsonClient& json, const BatchRoundsPlan& plan, std::size_t entries,
                      core::Deadline deadline, const MakeBatchCalls& make_calls,
                      const SettleBatchChunk& settle_chunk, const FailBatchEntry& fail_entry) {
  std::vector<std::size_t> pending(entries);
  for (std::size_t i = 0; i < pending.size(); ++i) {
    pending[i] = i;
  }

  for (int round = 1; !pending.empty(); ++round) {
    BatchChunks chunks;
    for (std::size_t start = 0; start < pending.size(); start += plan.chunk_size) {
      const auto end = std::min(start + plan.chunk_size, pending.size());
      chunks.emplace_back(pending.begin() + static_cast<std::ptrdiff_t>(start),
                          pending.begin() + static_cast<std::ptrdiff_t>(end));
    }
    const std::vector<aws::JsonCall> calls = make_calls(chunks);
    auto responses = json.call_all(calls, deadline);

    std::vector<std::size_t> leftover;
    for (std::size_t c = 0; c < chunks.size(); ++c) {
      if (!responses[c]) {
        for (const std::size_t i : chunks[c]) {
          fail_entry(i, responses[c].error());
        }
        continue;
      }
      settle_chunk(c, chunks[c], *responses[c], leftover);
    }

    if (!leftover.empty()) {
      const auto delay = json.retry_policy().backoff(round, true);
      const bool out_of_rounds = round >= plan.max_rounds;
      const bool out_of_time = json.clock().now() + delay >= deadline;
      if (out_of_rounds || out_of_time) {
        const core::Error error = unprocessed_error(plan, round, !out_of_rounds);
        for (const std::size_t i : leftover) {
          fail_entry(i, error);
        }
        leftover.clear();
      } else {
        json.sleep(delay);
      }
    }
    pending = std::move(leftover);
  }
}

}  // namespace dispatcher::adapters::dynamodb::detail
