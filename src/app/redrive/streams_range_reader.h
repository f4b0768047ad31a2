#pragma once

#include <memory>

#include "adapters/streams/streams_client.h"
#include "core/redrive/range_redrive.h"

namespace dispatcher::app::redrive {

/// core::redrive::StreamRangeReader over DynamoDB Streams: GetShardIterator AT_SEQUENCE_NUMBER /
/// AFTER_SEQUENCE_NUMBER and GetRecords (1000 a page). TrimmedDataAccessException is kTrimmed,
/// ResourceNotFoundException (the stream or shard is gone) kShardNotFound; records are read with
/// the dispatcher's own stream event parser, so redrive acts on exactly what the dispatcher would.
class StreamsRangeReader final : public core::redrive::StreamRangeReader {
 public:
  explicit StreamsRangeReader(std::shared_ptr<adapters::streams::StreamsClient> streams)
      : streams_(std::move(streams)) {}

  [[nodiscard]] core::Result<core::redrive::RangeIterator> iterator_at(
      const core::redrive::StreamBatchInfo& batch, std::string_view sequence_number, bool after,
      core::Deadline deadline) override;

  [[nodiscard]] core::Result<core::redrive::RangePage> read(const std::string& iterator,
                                                            core::Deadline deadline) override;

 private:
  std::shared_ptr<adapters::streams::StreamsClient> streams_;
};

}  // namespace dispatcher::app::redrive
