#pragma once

// DynamoDB Streams over the AWS JSON protocol: DescribeStream (all shards), GetShardIterator and
// GetRecords, with the two iterator failures a reader must handle as outcomes of their own.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/aws/json_client.h"
#include "core/clock.h"
#include "core/dynamodb/attribute_value.h"
#include "core/result.h"

namespace dispatcher::adapters::streams {

using core::dynamodb::Item;

struct Shard {
  std::string shard_id;
  std::optional<std::string> parent_shard_id;  ///< read the parent first to keep key order
  std::string starting_sequence_number;
  std::optional<std::string> ending_sequence_number;  ///< set once the shard is closed

  [[nodiscard]] bool closed() const noexcept { return ending_sequence_number.has_value(); }
};

struct StreamDescription {
  std::string stream_arn;
  std::string stream_label;
  std::string stream_status;     ///< "ENABLING", "ENABLED", "DISABLING", "DISABLED"
  std::string stream_view_type;  ///< "KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"
  std::string table_name;
  std::vector<Shard> shards;  ///< every page of shards, in the order DynamoDB listed them
};

enum class ShardIteratorType : unsigned char {
  kTrimHorizon,          ///< the oldest record still kept
  kLatest,               ///< only records written after the iterator is made
  kAtSequenceNumber,     ///< from the record with the given sequence number
  kAfterSequenceNumber,  ///< from the record after it
};

/// One record of a shard as GetRecords returns it (a StreamRecord in the Streams API), decoded.
struct ShardRecord {
  std::string event_id;
  std::string event_name;  ///< "INSERT", "MODIFY" or "REMOVE"
  std::string event_source;
  std::string aws_region;
  std::string sequence_number;
  std::int64_t size_bytes = 0;
  std::string stream_view_type;
  std::optional<double> approximate_creation_time;  ///< seconds since the epoch
  Item keys;
  std::optional<Item> new_image;  ///< with NEW_IMAGE / NEW_AND_OLD_IMAGES views
  std::optional<Item> old_image;  ///< with OLD_IMAGE / NEW_AND_OLD_IMAGES views
  /// The record exactly as GetRecords sent it: what Lambda hands a function, less eventSourceARN.
  nlohmann::json raw;
};

enum class RecordsStatus : unsigned char {
  kRecords,            ///< records (possibly none) and, unless the shard is done, a next iterator
  kIteratorExpired,    ///< ExpiredIteratorException: get a new iterator from a sequence number
  kTrimmedDataAccess,  ///< TrimmedDataAccessException: the records are past the 24 h retention
};

struct RecordsPage {
  RecordsStatus status = RecordsStatus::kRecords;
  std::vector<ShardRecord> records;
  /// nullopt with status kRecords: the shard is closed and has been read to its end.
  std::optional<std::string> next_shard_iterator;

  [[nodiscard]] bool shard_closed() const noexcept {
    return status == RecordsStatus::kRecords && !next_shard_iterator.has_value();
  }
};

/// DynamoDB Streams through one JsonClient made for aws::kDynamoDbStreamsService (endpoint
/// streams.dynamodb.<region>.amazonaws.com, signing service "dynamodb"). Thread-compatible.
/// Errors are core::Error with service "streams" as JsonClient::call describes; a response of an
/// unexpected shape is permanent "UnexpectedResponse".
class StreamsClient {
 public:
  explicit StreamsClient(std::shared_ptr<aws::JsonClient> json);

  /// DescribeStream, following LastEvaluatedShardId (as ExclusiveStartShardId) until every shard
  /// is listed. Error ResourceNotFoundException for an unknown stream.
  [[nodiscard]] core::Result<StreamDescription> describe_stream(std::string_view stream_arn,
                                                                core::Deadline deadline);

  /// GetShardIterator; `sequence_number` is required for the AT/AFTER types and ignored
  /// otherwise. Errors: ResourceNotFoundException, TrimmedDataAccessException (the sequence
  /// number is past retention), permanent "MissingSequenceNumber".
  [[nodiscard]] core::Result<std::string> shard_iterator(
      std::string_view stream_arn, std::string_view shard_id, ShardIteratorType type,
      const std::optional<std::string>& sequence_number, core::Deadline deadline);

  /// GetRecords (at most `limit` records, 1000 when unset). ExpiredIteratorException and
  /// TrimmedDataAccessException are statuses of the page, not errors.
  [[nodiscard]] core::Result<RecordsPage> records(std::string_view shard_iterator,
                                                  std::optional<int> limit,
                                                  core::Deadline deadline);

 private:
  std::shared_ptr<aws::JsonClient> json_;
};

}  // namespace dispatcher::adapters::streams
