#pragma once

// The rounds of a batch operation (BatchGetItem, BatchWriteItem): chunk the pending entries,
// send every chunk together, let the operation settle what each answer covers and name what
// DynamoDB left unprocessed, then back off and send those again, or give up on them when the
// rounds or the deadline run out. Internal to src/adapters/dynamodb/.

#include <cstddef>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "adapters/aws/json_client.h"
#include "core/clock.h"
#include "core/result.h"

namespace dispatcher::adapters::dynamodb::detail {

struct BatchRoundsPlan {
  std::string_view operation;         ///< "BatchGetItem": names the call in errors
  std::string_view unprocessed_code;  ///< error code of an entry left unprocessed
  std::size_t chunk_size = 1;         ///< entries per call (DynamoDB's limit)
  int max_rounds = 1;                 ///< the first round plus retries
};

/// The entries (indices into the operation's own list) of each chunk of one round.
using BatchChunks = std::vector<std::vector<std::size_t>>;

/// The calls of one round: one per chunk, in chunk order. They may keep references into the
/// operation's state (their body checks run during the round).
using MakeBatchCalls = std::function<std::vector<aws::JsonCall>(const BatchChunks& chunks)>;

/// Settles what the answer to chunk `chunk_number` covers, and appends to `again` the entries of
/// `chunk` to send in the next round.
using SettleBatchChunk =
    std::function<void(std::size_t chunk_number, std::span<const std::size_t> chunk,
                       const aws::JsonResponse& response, std::vector<std::size_t>& again)>;

/// Settles entry `entry` with an error: its chunk's call failed, or DynamoDB still had not
/// processed it when the rounds or the deadline ran out (retryable plan.unprocessed_code).
using FailBatchEntry = std::function<void(std::size_t entry, const core::Error& error)>;

/// Runs rounds over entries 0..entries-1 until each is settled (by settle_chunk not sending it
/// again, or by fail_entry). Backoff between rounds is the retry policy's throttling backoff.
void run_batch_rounds(aws::JsonClient& json, const BatchRoundsPlan& plan, std::size_t entries,
                      core::Deadline deadline, const MakeBatchCalls& make_calls,
                      const SettleBatchChunk& settle_chunk, const FailBatchEntry& fail_entry);

}  // namespace dispatcher::adapters::dynamodb::detail
