#pragma once

// The runner's stream and handler ports over the real services: DynamoDB Streams through
// adapters::streams::StreamsClient, and the very Application::handle the Lambda runtime calls.

#include <memory>
#include <string>

#include "adapters/streams/streams_client.h"
#include "app/application.h"
#include "core/runner/ports.h"

namespace dispatcher::app::runner {

/// One stream (the events table's LatestStreamArn). Records are handed on as GetRecords sent
/// them plus the eventSourceARN Lambda adds, so the handler sees what the Lambda would.
class DynamoDbStreamSource final : public core::runner::StreamSource {
 public:
  DynamoDbStreamSource(std::shared_ptr<adapters::streams::StreamsClient> streams,
                       std::string stream_arn);

  [[nodiscard]] core::Result<std::vector<core::runner::ShardDescription>> shards(
      core::Deadline deadline) override;
  [[nodiscard]] core::Result<std::string> iterator(const std::string& shard_id,
                                                   const core::runner::ShardPosition& position,
                                                   core::Deadline deadline) override;
  [[nodiscard]] core::Result<core::runner::ShardPage> read(const std::string& iterator, int limit,
                                                           core::Deadline deadline) override;

 private:
  std::shared_ptr<adapters::streams::StreamsClient> streams_;
  std::string stream_arn_;
};

/// Wraps records as a Lambda DynamoDB Streams event ({"Records":[...]}) and calls
/// Application::handle; reads the lowest itemIdentifier of its partial batch response.
class ApplicationBatchHandler final : public core::runner::BatchHandler {
 public:
  explicit ApplicationBatchHandler(Application& application);

  [[nodiscard]] core::Result<std::optional<std::string>> handle(
      const std::vector<core::runner::LambdaRecord>& records, core::Deadline deadline) override;

 private:
  Application& application_;
};

/// The lowest sequence number listed in a partial batch response, or nullopt when it lists none.
/// Error (permanent "InvalidBatchResponse"): the text is not such a response.
[[nodiscard]] core::Result<std::optional<std::string>> retry_from_response(
    std::string_view response_json);

}  // namespace dispatcher::app::runner
