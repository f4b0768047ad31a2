#include "adapters/streams/streams_client.h"

#include <stdexcept>
#include <utility>

#include "core/dynamodb/json_codec.h"

namespace dispatcher::adapters::streams {
namespace {

using core::Error;
using nlohmann::json;

Error unexpected(std::string_view operation, std::string_view what) {
  return core::permanent_error(
      "UnexpectedResponse", std::string(operation) + ": unexpected response: " + std::string(what),
      "streams");
}

std::optional<std::string> optional_string(const json& object, const char* name) {
  const auto found = object.find(name);
  if (found == object.end() || !found->is_string()) {
    return std::nullopt;
  }
  return found->get<std::string>();
}

core::Result<std::optional<Item>> optional_item(const json& object, const char* name) {
  const auto found = object.find(name);
  if (found == object.end() || found->is_null()) {
    return std::optional<Item>();
  }
  auto item = core::dynamodb::item_from_json(*found);
  if (!item) {
    Error error = std::move(item.error());
    error.service = "streams";
    error.message = "GetRecords: " + std::string(name) + ": " + error.message;
    return core::fail(std::move(error));
  }
  return std::optional<Item>(std::move(*item));
}

std::string_view iterator_type_name(ShardIteratorType type) {
  switch (type) {
    case ShardIteratorType::kTrimHorizon:
      return "TRIM_HORIZON";
    case ShardIteratorType::kLatest:
      return "LATEST";
    case ShardIteratorType::kAtSequenceNumber:
      return "AT_SEQUENCE_NUMBER";
    case ShardIteratorType::kAfterSequenceNumber:
      return "AFTER_SEQUENCE_NUMBER";
  }
  return "TRIM_HORIZON";
}

core::Result<ShardRecord> shard_record(const json& record) {
  if (!record.is_object()) {
    return core::fail(unexpected("GetRecords", "a record is not an object"));
  }
  const auto body = record.find("dynamodb");
  if (body == record.end() || !body->is_object()) {
    return core::fail(unexpected("GetRecords", "a record has no dynamodb member"));
  }
  ShardRecord parsed;
  parsed.event_id = record.value("eventID", "");
  parsed.event_name = record.value("eventName", "");
  parsed.event_source = record.value("eventSource", "");
  parsed.aws_region = record.value("awsRegion", "");
  parsed.sequence_number = body->value("SequenceNumber", "");
  if (parsed.sequence_number.empty()) {
    return core::fail(unexpected("GetRecords", "a record has no SequenceNumber"));
  }
  parsed.size_bytes = body->value("SizeBytes", std::int64_t{0});
  parsed.stream_view_type = body->value("StreamViewType", "");
  if (const auto created = body->find("ApproximateCreationDateTime");
      created != body->end() && created->is_number()) {
    parsed.approximate_creation_time = created->get<double>();
  }
  auto keys = optional_item(*body, "Keys");
  auto new_image = optional_item(*body, "NewImage");
  auto old_image = optional_item(*body, "OldImage");
  for (auto* part : {&keys, &new_image, &old_image}) {
    if (!part->has_value()) {
      return core::fail(std::move(part->error()));
    }
  }
  std::optional<Item>& found_keys = *keys;
  if (!found_keys) {
    return core::fail(unexpected("GetRecords", "a record has no Keys"));
  }
  parsed.keys = std::move(*found_keys);
  parsed.new_image = std::move(*new_image);
  parsed.old_image = std::move(*old_image);
  parsed.raw = record;
  return parsed;
}

}  // namespace

StreamsClient::StreamsClient(std::shared_ptr<aws::JsonClient> json) : json_(std::move(json)) {
  if (!json_ || json_->service().target_prefix != aws::kDynamoDbStreamsService.target_prefix) {
    throw std::invalid_argument(
        "StreamsClient needs a JsonClient for aws::kDynamoDbStreamsService");
  }
}

core::Result<StreamDescription> StreamsClient::describe_stream(std::string_view stream_arn,
                                                               core::Deadline deadline) {
  StreamDescription description;
  std::optional<std::string> start_shard;
  while (true) {
    json input = {{"StreamArn", stream_arn}};
    if (start_shard) {
      input["ExclusiveStartShardId"] = *start_shard;
    }
    auto response = json_->call("DescribeStream", input, deadline);
    if (!response) {
      return core::fail(std::move(response.error()));
    }
    const auto stream = response->output.find("StreamDescription");
    if (stream == response->output.end() || !stream->is_object()) {
      return core::fail(unexpected("DescribeStream", "no StreamDescription"));
    }
    description.stream_arn = stream->value("StreamArn", "");
    description.stream_label = stream->value("StreamLabel", "");
    description.stream_status = stream->value("StreamStatus", "");
    description.stream_view_type = stream->value("StreamViewType", "");
    description.table_name = stream->value("TableName", "");
    if (const auto shards = stream->find("Shards"); shards != stream->end()) {
      if (!shards->is_array()) {
        return core::fail(unexpected("DescribeStream", "Shards is not an array"));
      }
      for (const auto& shard : *shards) {
        Shard parsed;
        parsed.shard_id = shard.value("ShardId", "");
        parsed.parent_shard_id = optional_string(shard, "ParentShardId");
        if (const auto range = shard.find("SequenceNumberRange"); range != shard.end()) {
          parsed.starting_sequence_number = range->value("StartingSequenceNumber", "");
          parsed.ending_sequence_number = optional_string(*range, "EndingSequenceNumber");
        }
        if (parsed.shard_id.empty()) {
          return core::fail(unexpected("DescribeStream", "a shard has no ShardId"));
        }
        description.shards.push_back(std::move(parsed));
      }
    }
    auto next = optional_string(*stream, "LastEvaluatedShardId");
    if (next && next == start_shard) {
      return core::fail(unexpected("DescribeStream", "LastEvaluatedShardId did not advance"));
    }
    start_shard = std::move(next);
    if (!start_shard) {
      return description;
    }
  }
}

core::Result<std::string> StreamsClient::shard_iterator(
    std::string_view stream_arn, std::string_view shard_id, ShardIteratorType type,
    const std::optional<std::string>& sequence_number, core::Deadline deadline) {
  json input = {{"StreamArn", stream_arn},
                {"ShardId", shard_id},
                {"ShardIteratorType", iterator_type_name(type)}};
  if (type == ShardIteratorType::kAtSequenceNumber ||
      type == ShardIteratorType::kAfterSequenceNumber) {
    if (!sequence_number) {
      Error error = core::permanent_error(
          "MissingSequenceNumber", "GetShardIterator: " + std::string(iterator_type_name(type)) +
                                       " needs a sequence number");
      error.service = "streams";
      return core::fail(std::move(error));
    }
    input["SequenceNumber"] = *sequence_number;
  }
  auto response = json_->call("GetShardIterator", input, deadline);
  if (!response) {
    return core::fail(std::move(response.error()));
  }
  auto iterator = optional_string(response->output, "ShardIterator");
  if (!iterator) {
    return core::fail(unexpected("GetShardIterator", "no ShardIterator"));
  }
  return std::move(*iterator);
}

core::Result<RecordsPage> StreamsClient::records(std::string_view shard_iterator,
                                                 std::optional<int> limit,
                                                 core::Deadline deadline) {
  json input = {{"ShardIterator", shard_iterator}};
  if (limit) {
    input["Limit"] = *limit;
  }
  auto response = json_->call("GetRecords", input, deadline);
  if (!response) {
    if (response.error().code == "ExpiredIteratorException") {
      return RecordsPage{.status = RecordsStatus::kIteratorExpired};
    }
    if (response.error().code == "TrimmedDataAccessException") {
      return RecordsPage{.status = RecordsStatus::kTrimmedDataAccess};
    }
    return core::fail(std::move(response.error()));
  }
  RecordsPage page;
  if (const auto records = response->output.find("Records"); records != response->output.end()) {
    if (!records->is_array()) {
      return core::fail(unexpected("GetRecords", "Records is not an array"));
    }
    for (const auto& record : *records) {
      auto parsed = shard_record(record);
      if (!parsed) {
        return core::fail(std::move(parsed.error()));
      }
      page.records.push_back(std::move(*parsed));
    }
  }
  page.next_shard_iterator = optional_string(response->output, "NextShardIterator");
  return page;
}

}  // namespace dispatcher::adapters::streams
