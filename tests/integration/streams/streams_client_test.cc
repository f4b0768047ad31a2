// The DynamoDB Streams client against DynamoDB Local's streams (STACK_DYNAMODB_ENDPOINT), and
// against the fault server for what DynamoDB Local cannot produce (several pages of shards,
// expired and trimmed iterators, closed shards).

#include "adapters/streams/streams_client.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "adapters/dynamodb/dynamodb_client.h"
#include "adapters/dynamodb/table_admin.h"
#include "integration/http/aws_test_support.h"
#include "integration/http/fault_server.h"

namespace dispatcher::adapters::streams {
namespace {

using core::dynamodb::integer_attribute;
using core::dynamodb::integer_value;
using core::dynamodb::string_attribute;
using core::dynamodb::string_value;
using nlohmann::json;
using std::chrono::milliseconds;
using testing::AwsTestRig;
using testing::deadline_in;

core::Deadline soon() { return deadline_in(milliseconds(60000)); }

Item event(const std::string& id, std::int64_t version, const std::string& type) {
  return {{"id", string_value(id)},
          {"version", integer_value(version)},
          {"eventType", string_value(type)}};
}

/// Decimal sequence numbers of different lengths compare by length first.
bool sequence_less(const std::string& left, const std::string& right) {
  return left.size() != right.size() ? left.size() < right.size() : left < right;
}

class StreamsLocal : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string endpoint = testing::stack_variable("STACK_DYNAMODB_ENDPOINT");
    dynamodb_ = std::make_unique<dynamodb::DynamoDbClient>(
        rig_.json_client(aws::kDynamoDbService, endpoint, {}, true));
    streams_ = std::make_unique<StreamsClient>(
        rig_.json_client(aws::kDynamoDbStreamsService, endpoint, {}, true));
    table_ = testing::unique_name("http-helper-stream-");
    auto created = dynamodb::create_table(
        *dynamodb_,
        dynamodb::CreateTableRequest{
            .table_name = table_,
            .partition_key = {.name = "id", .type = "S"},
            .sort_key = dynamodb::KeyAttribute{.name = "version", .type = "N"},
            .stream_view_type = "NEW_AND_OLD_IMAGES"},
        soon());
    ASSERT_TRUE(created.has_value()) << created.error().describe();
    ASSERT_TRUE(created->latest_stream_arn.has_value());
    stream_arn_ = *created->latest_stream_arn;
  }

  void TearDown() override {
    if (dynamodb_) {
      EXPECT_TRUE(dynamodb::delete_table(*dynamodb_, table_, soon()).has_value());
    }
  }

  void put(const Item& item) {
    const auto outcome = dynamodb_->put_item({.table_name = table_, .item = item}, soon());
    ASSERT_TRUE(outcome.has_value()) << outcome.error().describe();
  }

  /// Reads from `iterator` until `count` records arrived (bounded: DynamoDB Local publishes
  /// records within moments).
  std::vector<ShardRecord> read(std::string iterator, std::size_t count) {
    std::vector<ShardRecord> records;
    for (int poll = 0; poll < 50 && records.size() < count; ++poll) {
      auto page = streams_->records(iterator, std::nullopt, soon());
      EXPECT_TRUE(page.has_value()) << page.error().describe();
      if (!page || page->status != RecordsStatus::kRecords || !page->next_shard_iterator) {
        break;
      }
      std::ranges::move(page->records, std::back_inserter(records));
      iterator = *page->next_shard_iterator;
      if (records.size() < count) {
        std::this_thread::sleep_for(milliseconds(100));
      }
    }
    return records;
  }

  std::string only_shard() {
    const auto description = streams_->describe_stream(stream_arn_, soon());
    EXPECT_TRUE(description.has_value()) << description.error().describe();
    EXPECT_FALSE(description->shards.empty());
    return description->shards.back().shard_id;
  }

  AwsTestRig rig_;
  std::unique_ptr<dynamodb::DynamoDbClient> dynamodb_;
  std::unique_ptr<StreamsClient> streams_;
  std::string table_;
  std::string stream_arn_;
};

TEST_F(StreamsLocal, DescribesTheTablesStream) {
  const auto description = streams_->describe_stream(stream_arn_, soon());
  ASSERT_TRUE(description.has_value()) << description.error().describe();
  EXPECT_EQ(description->stream_arn, stream_arn_);
  EXPECT_EQ(description->table_name, table_);
  EXPECT_EQ(description->stream_view_type, "NEW_AND_OLD_IMAGES");
  EXPECT_EQ(description->stream_status, "ENABLED");
  ASSERT_FALSE(description->shards.empty());
  EXPECT_FALSE(description->shards.front().shard_id.empty());
  EXPECT_FALSE(description->shards.front().starting_sequence_number.empty());
}

TEST_F(StreamsLocal, ReadsBackInsertsModifiesAndRemovesInOrder) {
  for (int v = 0; v < 5; ++v) {
    put(event("agg-s", v, "Created"));
  }
  put(event("agg-s", 2, "Changed"));
  const std::vector<dynamodb::WriteRequest> deletes = {dynamodb::DeleteRequest{
      .key = {{"id", string_value("agg-s")}, {"version", integer_value(4)}}}};
  ASSERT_TRUE(dynamodb_->batch_write(table_, deletes, soon())[0].has_value());

  const std::string shard = only_shard();
  const auto iterator = streams_->shard_iterator(
      stream_arn_, shard, ShardIteratorType::kTrimHorizon, std::nullopt, soon());
  ASSERT_TRUE(iterator.has_value()) << iterator.error().describe();
  const auto records = read(*iterator, 7);
  ASSERT_EQ(records.size(), 7U);

  std::vector<std::string> names;
  for (const auto& record : records) {
    names.push_back(record.event_name);
    EXPECT_EQ(record.stream_view_type, "NEW_AND_OLD_IMAGES");
    EXPECT_EQ(string_attribute(record.keys, "id") != nullptr, true);
    EXPECT_EQ(record.keys.size(), 2U);
    EXPECT_FALSE(record.event_id.empty());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"INSERT", "INSERT", "INSERT", "INSERT", "INSERT",
                                             "MODIFY", "REMOVE"}));
  for (std::size_t i = 1; i < records.size(); ++i) {
    EXPECT_TRUE(sequence_less(records[i - 1].sequence_number, records[i].sequence_number));
  }
  EXPECT_EQ(integer_attribute(records[0].keys, "version"), 0);
  ASSERT_TRUE(records[0].new_image.has_value());
  EXPECT_EQ(*records[0].new_image, event("agg-s", 0, "Created"));
  EXPECT_FALSE(records[0].old_image.has_value());
  ASSERT_TRUE(records[5].old_image.has_value() && records[5].new_image.has_value());
  EXPECT_EQ(*string_attribute(*records[5].old_image, "eventType"), "Created");
  EXPECT_EQ(*string_attribute(*records[5].new_image, "eventType"), "Changed");
  EXPECT_FALSE(records[6].new_image.has_value());
  EXPECT_TRUE(records[6].old_image.has_value());
}

TEST_F(StreamsLocal, IteratorsStartAtOrAfterASequenceNumber) {
  for (int v = 0; v < 4; ++v) {
    put(event("agg-q", v, "Created"));
  }
  const std::string shard = only_shard();
  const auto all =
      read(*streams_->shard_iterator(stream_arn_, shard, ShardIteratorType::kTrimHorizon,
                                     std::nullopt, soon()),
           4);
  ASSERT_EQ(all.size(), 4U);

  const auto at = streams_->shard_iterator(stream_arn_, shard, ShardIteratorType::kAtSequenceNumber,
                                           all[1].sequence_number, soon());
  ASSERT_TRUE(at.has_value()) << at.error().describe();
  const auto from_at = read(*at, 3);
  ASSERT_EQ(from_at.size(), 3U);
  EXPECT_EQ(from_at[0].sequence_number, all[1].sequence_number);

  const auto after = streams_->shard_iterator(
      stream_arn_, shard, ShardIteratorType::kAfterSequenceNumber, all[1].sequence_number, soon());
  ASSERT_TRUE(after.has_value()) << after.error().describe();
  const auto from_after = read(*after, 2);
  ASSERT_EQ(from_after.size(), 2U);
  EXPECT_EQ(from_after[0].sequence_number, all[2].sequence_number);
}

TEST_F(StreamsLocal, LatestIteratorSeesOnlyLaterWrites) {
  put(event("agg-l", 0, "Before"));
  const std::string shard = only_shard();
  const auto latest = streams_->shard_iterator(stream_arn_, shard, ShardIteratorType::kLatest,
                                               std::nullopt, soon());
  ASSERT_TRUE(latest.has_value()) << latest.error().describe();
  put(event("agg-l", 1, "After"));
  const auto records = read(*latest, 1);
  ASSERT_EQ(records.size(), 1U);
  EXPECT_EQ(integer_attribute(records[0].keys, "version"), 1);
}

TEST_F(StreamsLocal, SequenceNumberIsRequiredForAtAndAfterIterators) {
  const auto iterator = streams_->shard_iterator(
      stream_arn_, only_shard(), ShardIteratorType::kAfterSequenceNumber, std::nullopt, soon());
  ASSERT_FALSE(iterator.has_value());
  EXPECT_EQ(iterator.error().code, "MissingSequenceNumber");
}

TEST_F(StreamsLocal, UnknownStreamIsResourceNotFound) {
  const auto description = streams_->describe_stream(stream_arn_ + "0", soon());
  ASSERT_FALSE(description.has_value());
  EXPECT_EQ(description.error().code, "ResourceNotFoundException");
  EXPECT_EQ(description.error().service, "streams");
  EXPECT_FALSE(description.error().retryable());
}

class StreamsFaults : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new testing::FaultServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  StreamsClient client() {
    return StreamsClient(rig_.json_client(aws::kDynamoDbStreamsService, server_->url()));
  }

  static testing::FaultServer* server_;
  AwsTestRig rig_;
};

testing::FaultServer* StreamsFaults::server_ = nullptr;

json shard(const std::string& id, const std::optional<std::string>& parent, bool closed) {
  json range = {{"StartingSequenceNumber", "100"}};
  if (closed) {
    range["EndingSequenceNumber"] = "200";
  }
  json value = {{"ShardId", id}, {"SequenceNumberRange", range}};
  if (parent) {
    value["ParentShardId"] = *parent;
  }
  return value;
}

TEST_F(StreamsFaults, DescribeStreamFollowsLastEvaluatedShardIdThroughEveryPage) {
  const json first = {{"StreamDescription",
                       {{"StreamArn", "arn:s"},
                        {"StreamStatus", "ENABLED"},
                        {"Shards", json::array({shard("shard-1", std::nullopt, true),
                                                shard("shard-2", "shard-1", true)})},
                        {"LastEvaluatedShardId", "shard-2"}}}};
  const json second = {{"StreamDescription",
                        {{"StreamArn", "arn:s"},
                         {"StreamStatus", "ENABLED"},
                         {"Shards", json::array({shard("shard-3", "shard-2", false)})}}}};
  server_->script(
      json::array({{{"kind", "ok"}, {"body", first}}, {{"kind", "ok"}, {"body", second}}}));
  auto streams = client();
  const auto description = streams.describe_stream("arn:s", soon());
  ASSERT_TRUE(description.has_value()) << description.error().describe();
  ASSERT_EQ(description->shards.size(), 3U);
  EXPECT_EQ(description->shards[2].shard_id, "shard-3");
  EXPECT_EQ(description->shards[2].parent_shard_id, "shard-2");
  EXPECT_FALSE(description->shards[0].parent_shard_id.has_value());
  EXPECT_TRUE(description->shards[1].closed());
  EXPECT_FALSE(description->shards[2].closed());

  const json log = server_->log();
  ASSERT_EQ(log["requests"].size(), 2U);
  const json second_request = json::parse(log["requests"][1]["body"].get<std::string>());
  EXPECT_EQ(second_request["ExclusiveStartShardId"], "shard-2");
  EXPECT_EQ(log["requests"][1]["headers"]["x-amz-target"],
            "DynamoDBStreams_20120810.DescribeStream");
}

TEST_F(StreamsFaults, ExpiredIteratorIsAnOutcomeNotAnErrorAndIsNotRetried) {
  server_->script(json::array({{{"kind", "error"}, {"code", "ExpiredIteratorException"}}}));
  auto streams = client();
  const auto page = streams.records("iterator", std::nullopt, soon());
  ASSERT_TRUE(page.has_value()) << page.error().describe();
  EXPECT_EQ(page->status, RecordsStatus::kIteratorExpired);
  EXPECT_FALSE(page->shard_closed());
  EXPECT_EQ(server_->request_count(), 1U);
}

TEST_F(StreamsFaults, TrimmedDataAccessIsAnOutcomeNotAnError) {
  server_->script(json::array({{{"kind", "error"}, {"code", "TrimmedDataAccessException"}}}));
  auto streams = client();
  const auto page = streams.records("iterator", 100, soon());
  ASSERT_TRUE(page.has_value()) << page.error().describe();
  EXPECT_EQ(page->status, RecordsStatus::kTrimmedDataAccess);
  const json log = server_->log();
  EXPECT_EQ(json::parse(log["requests"][0]["body"].get<std::string>())["Limit"], 100);
}

TEST_F(StreamsFaults, PageWithoutNextIteratorMeansTheShardIsClosedAndRead) {
  server_->script(json::array({{{"kind", "ok"}, {"body", {{"Records", json::array()}}}}}));
  auto streams = client();
  const auto page = streams.records("iterator", std::nullopt, soon());
  ASSERT_TRUE(page.has_value()) << page.error().describe();
  EXPECT_TRUE(page->shard_closed());
  EXPECT_TRUE(page->records.empty());
}

TEST_F(StreamsFaults, ThrottledGetRecordsIsRetried) {
  server_->script(json::array(
      {{{"kind", "error"}, {"code", "LimitExceededException"}},
       {{"kind", "ok"}, {"body", {{"Records", json::array()}, {"NextShardIterator", "next"}}}}}));
  auto streams = client();
  const auto page = streams.records("iterator", std::nullopt, soon());
  ASSERT_TRUE(page.has_value()) << page.error().describe();
  EXPECT_EQ(page->next_shard_iterator, "next");
  EXPECT_EQ(server_->request_count(), 2U);
}

}  // namespace
}  // namespace dispatcher::adapters::streams
