#include "app/redrive/streams_range_reader.h"

#include <nlohmann/json.hpp>

#include "core/dispatch/stream_event_parser.h"

namespace dispatcher::app::redrive {

namespace rd = core::redrive;
using adapters::streams::RecordsStatus;
using adapters::streams::ShardIteratorType;

core::Result<rd::RangeIterator> StreamsRangeReader::iterator_at(const rd::StreamBatchInfo& batch,
                                                                std::string_view sequence_number,
                                                                bool after,
                                                                core::Deadline deadline) {
  auto iterator = streams_->shard_iterator(
      batch.stream_arn, batch.shard_id,
      after ? ShardIteratorType::kAfterSequenceNumber : ShardIteratorType::kAtSequenceNumber,
      std::string(sequence_number), deadline);
  if (!iterator) {
    const auto& code = iterator.error().code;
    if (code == "TrimmedDataAccessException") {
      return rd::RangeIterator{.status = rd::IteratorStatus::kTrimmed};
    }
    if (code == "ResourceNotFoundException") {
      return rd::RangeIterator{.status = rd::IteratorStatus::kShardNotFound};
    }
    // DynamoDB Streams: "Invalid SequenceNumber for the shard" (the range is not readable there).
    if (code == "ValidationException" && iterator.error().service == "streams") {
      return rd::RangeIterator{.status = rd::IteratorStatus::kNotInShard};
    }
    return core::fail(std::move(iterator.error()));
  }
  return rd::RangeIterator{.status = rd::IteratorStatus::kOk, .iterator = std::move(*iterator)};
}

core::Result<rd::RangePage> StreamsRangeReader::read(const std::string& iterator,
                                                     core::Deadline deadline) {
  auto page = streams_->records(iterator, std::nullopt, deadline);
  if (!page) {
    return core::fail(std::move(page.error()));
  }
  if (page->status == RecordsStatus::kTrimmedDataAccess) {
    return rd::RangePage{.status = rd::PageStatus::kTrimmed};
  }
  if (page->status == RecordsStatus::kIteratorExpired) {
    return rd::RangePage{.status = rd::PageStatus::kIteratorExpired};
  }
  rd::RangePage result{.next_iterator = std::move(page->next_shard_iterator)};
  if (page->records.empty()) {
    return result;
  }
  result.last_sequence_number = page->records.back().sequence_number;
  // The records as Lambda would have handed them over, read by the dispatcher's own parser.
  nlohmann::json event = {{"Records", nlohmann::json::array()}};
  for (auto& record : page->records) {
    event["Records"].push_back(std::move(record.raw));
  }
  auto batch = core::dispatch::stream_batch_from_json(event);
  if (!batch) {
    return core::fail(std::move(batch.error()));
  }
  result.records = std::move(batch->records);
  return result;
}

}  // namespace dispatcher::app::redrive
