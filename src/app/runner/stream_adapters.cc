#include "app/runner/stream_adapters.h"

#include <chrono>
#include <utility>

#include "core/dispatch/sequence_number.h"
#include "core/time_budget.h"

namespace dispatcher::app::runner {
namespace {

using adapters::streams::RecordsStatus;
using adapters::streams::ShardIteratorType;
using core::runner::ShardPage;
using core::runner::ShardPosition;

core::Error invalid_response(std::string message) {
  return core::permanent_error("InvalidBatchResponse", std::move(message), "runner");
}

}  // namespace

DynamoDbStreamSource::DynamoDbStreamSource(
    std::shared_ptr<adapters::streams::StreamsClient> streams, std::string stream_arn)
    : streams_(std::move(streams)), stream_arn_(std::move(stream_arn)) {}

core::Result<std::vector<core::runner::ShardDescription>> DynamoDbStreamSource::shards(
    core::Deadline deadline) {
  auto description = streams_->describe_stream(stream_arn_, deadline);
  if (!description) {
    return core::fail(std::move(description.error()));
  }
  std::vector<core::runner::ShardDescription> shards;
  shards.reserve(description->shards.size());
  for (auto& shard : description->shards) {
    shards.push_back(
        core::runner::ShardDescription{.shard_id = std::move(shard.shard_id),
                                       .parent_shard_id = std::move(shard.parent_shard_id),
                                       .closed = shard.closed()});
  }
  return shards;
}

core::Result<std::string> DynamoDbStreamSource::iterator(const std::string& shard_id,
                                                         const ShardPosition& position,
                                                         core::Deadline deadline) {
  switch (position.kind) {
    case ShardPosition::Kind::kTrimHorizon:
      return streams_->shard_iterator(stream_arn_, shard_id, ShardIteratorType::kTrimHorizon,
                                      std::nullopt, deadline);
    case ShardPosition::Kind::kAfterSequenceNumber:
      return streams_->shard_iterator(stream_arn_, shard_id,
                                      ShardIteratorType::kAfterSequenceNumber,
                                      position.sequence_number, deadline);
  }
  throw std::logic_error("unknown ShardPosition kind");
}

core::Result<ShardPage> DynamoDbStreamSource::read(const std::string& iterator, int limit,
                                                   core::Deadline deadline) {
  auto page = streams_->records(iterator, limit, deadline);
  if (!page) {
    return core::fail(std::move(page.error()));
  }
  ShardPage result;
  switch (page->status) {
    case RecordsStatus::kIteratorExpired:
      result.status = ShardPage::Status::kIteratorExpired;
      return result;
    case RecordsStatus::kTrimmedDataAccess:
      result.status = ShardPage::Status::kTrimmed;
      return result;
    case RecordsStatus::kRecords:
      break;
  }
  result.records.reserve(page->records.size());
  for (auto& record : page->records) {
    nlohmann::json lambda_record = std::move(record.raw);
    lambda_record["eventSourceARN"] = stream_arn_;
    result.records.push_back(
        core::runner::LambdaRecord{.sequence_number = std::move(record.sequence_number),
                                   .lambda_record = std::move(lambda_record)});
  }
  result.next_iterator = std::move(page->next_shard_iterator);
  return result;
}

namespace {
constexpr std::chrono::milliseconds kCheckpointReserve{300};
}  // namespace

ApplicationBatchHandler::ApplicationBatchHandler(Application& application)
    : application_(application) {}

core::Result<std::optional<std::string>> ApplicationBatchHandler::handle(
    const std::vector<core::runner::LambdaRecord>& records, core::Deadline deadline) {
  nlohmann::json event = {{"Records", nlohmann::json::array()}};
  for (const auto& record : records) {
    event["Records"].push_back(record.lambda_record);
  }
  // The deadline is the end of the lease's trusted window, not a Runtime API's: keep only the
  // time the checkpoint write after the batch needs, so even the shortest lease leaves work time.
  auto response = application_.handle(event.dump(), core::TimeBudget(deadline, kCheckpointReserve));
  if (!response) {
    return core::fail(std::move(response.error()));
  }
  return retry_from_response(*response);
}

core::Result<std::optional<std::string>> retry_from_response(std::string_view response_json) {
  const auto response = nlohmann::json::parse(response_json, nullptr, false);
  if (response.is_discarded() || !response.is_object()) {
    return core::fail(invalid_response("the partial batch response is not a JSON object"));
  }
  const auto failures = response.find("batchItemFailures");
  if (failures == response.end() || !failures->is_array()) {
    return core::fail(invalid_response("the partial batch response has no batchItemFailures"));
  }
  std::optional<std::string> lowest;
  for (const auto& failure : *failures) {
    const auto identifier = failure.is_object() ? failure.find("itemIdentifier") : failure.end();
    if (!failure.is_object() || identifier == failure.end() || !identifier->is_string() ||
        !core::dispatch::is_sequence_number(identifier->get_ref<const std::string&>())) {
      return core::fail(invalid_response("a batchItemFailures entry has no sequence number"));
    }
    const auto& sequence_number = identifier->get_ref<const std::string&>();
    if (!lowest || core::dispatch::compare_sequence_numbers(sequence_number, *lowest) < 0) {
      lowest = sequence_number;
    }
  }
  return lowest;
}

}  // namespace dispatcher::app::runner
