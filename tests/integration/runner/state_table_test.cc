// The runner's adapters against DynamoDB Local (STACK_DYNAMODB_ENDPOINT): the lease item's
// conditional writes, checkpoint items, the stream source's Lambda-shaped records, and reading the
// handler's partial batch response.

#include "app/runner/state_table.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "adapters/dynamodb/dynamodb_client.h"
#include "adapters/dynamodb/table_admin.h"
#include "adapters/streams/streams_client.h"
#include "app/runner/stream_adapters.h"
#include "core/dispatch/stream_event_parser.h"
#include "core/runner/state_keys.h"
#include "integration/http/aws_test_support.h"

namespace dispatcher::app::runner {
namespace {

using core::dynamodb::integer_value;
using core::dynamodb::string_value;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::AwsTestRig;
using testing::deadline_in;

core::Deadline soon() { return deadline_in(milliseconds(30000)); }

class RunnerStateTable : public ::testing::Test {
 protected:
  void SetUp() override {
    endpoint_ = testing::stack_variable("STACK_DYNAMODB_ENDPOINT");
    dynamodb_ = std::make_shared<adapters::dynamodb::DynamoDbClient>(
        rig_.json_client(adapters::aws::kDynamoDbService, endpoint_, {}, true));
    table_ = testing::unique_name("runner-state-");
    auto created = adapters::dynamodb::create_table(
        *dynamodb_, {.table_name = table_, .partition_key = {.name = "id", .type = "S"}}, soon());
    ASSERT_TRUE(created.has_value()) << created.error().describe();
  }

  void TearDown() override {
    for (const auto& table : {table_, events_table_}) {
      if (dynamodb_ && !table.empty()) {
        EXPECT_TRUE(adapters::dynamodb::delete_table(*dynamodb_, table, soon()).has_value());
      }
    }
  }

  std::optional<core::dynamodb::Item> lease_item() {
    auto item = dynamodb_->get_item(
        table_, {{"id", string_value(std::string(core::runner::kLeaseId))}}, true, soon());
    EXPECT_TRUE(item.has_value());
    return item.value_or(std::nullopt);
  }

  AwsTestRig rig_;
  std::string endpoint_;
  std::shared_ptr<adapters::dynamodb::DynamoDbClient> dynamodb_;
  std::string table_;
  std::string events_table_;
  core::SystemClock clock_;
};

TEST_F(RunnerStateTable, LeaseGoesToTheFirstOwnerAndIsRefusedToOthersUntilItExpires) {
  DynamoDbLeaseStore lease(dynamodb_, table_, "Events");
  const auto now = std::chrono::system_clock::now();
  EXPECT_EQ(lease.try_acquire("first", now + seconds(30), now, soon()), true);
  EXPECT_EQ(lease.try_acquire("second", now + seconds(30), now + seconds(29), soon()), false);
  EXPECT_EQ(lease.try_acquire("first", now + seconds(60), now + seconds(29), soon()), true)
      << "the owner renews";
  EXPECT_EQ(lease.try_acquire("second", now + seconds(90), now + seconds(59), soon()), false);
  EXPECT_EQ(lease.try_acquire("second", now + seconds(90), now + seconds(61), soon()), true)
      << "an expired lease is taken over";
  const auto record = lease.read(soon());
  ASSERT_TRUE(record.has_value() && record->has_value());
  EXPECT_EQ((*record)->owner, "second");
  EXPECT_EQ(std::chrono::time_point_cast<milliseconds>((*record)->expires_at),
            std::chrono::time_point_cast<milliseconds>(now + seconds(90)));
  EXPECT_EQ(*core::dynamodb::string_attribute(*lease_item(), "events_table"), "Events");
}

TEST_F(RunnerStateTable, ReleaseByTheOwnerLetsAnotherRunnerInAtOnce) {
  DynamoDbLeaseStore lease(dynamodb_, table_, "Events");
  const auto now = std::chrono::system_clock::now();
  ASSERT_EQ(lease.try_acquire("first", now + seconds(30), now, soon()), true);
  ASSERT_TRUE(lease.release("someone-else", soon()).has_value());
  EXPECT_EQ(lease.try_acquire("second", now + seconds(30), now, soon()), false)
      << "a release by a non-owner must not free the lease";
  ASSERT_TRUE(lease.release("first", soon()).has_value());
  EXPECT_EQ(core::dynamodb::integer_attribute(*lease_item(), "expires_at_ms"), 0);
  EXPECT_EQ(lease.try_acquire("second", now + seconds(30), now, soon()), true);
}

TEST_F(RunnerStateTable, CheckpointsRoundTripUnderTheReservedPrefix) {
  DynamoDbCheckpointStore checkpoints(dynamodb_, table_, "owner-1", clock_);
  auto absent = checkpoints.load("shardId-1", soon());
  ASSERT_TRUE(absent.has_value()) << absent.error().describe();
  EXPECT_EQ(*absent, std::nullopt);

  const core::runner::Checkpoint started{.sequence_number = std::nullopt, .finished = false};
  ASSERT_TRUE(checkpoints.save("shardId-1", started, soon()).has_value());
  const auto loaded_started = checkpoints.load("shardId-1", soon());
  ASSERT_TRUE(loaded_started.has_value());
  EXPECT_EQ(loaded_started.value(), std::optional(started));

  const core::runner::Checkpoint done{.sequence_number = "000000000000000001234", .finished = true};
  ASSERT_TRUE(checkpoints.save("shardId-1", done, soon()).has_value());
  const auto loaded_done = checkpoints.load("shardId-1", soon());
  ASSERT_TRUE(loaded_done.has_value());
  EXPECT_EQ(loaded_done.value(), std::optional(done));

  auto item = dynamodb_->get_item(
      table_, {{"id", string_value("#dispatcher-runner#shard#shardId-1")}}, true, soon());
  ASSERT_TRUE(item.has_value() && item->has_value());
  EXPECT_EQ(*core::dynamodb::string_attribute(**item, "owner"), "owner-1");
}

TEST_F(RunnerStateTable, StreamRecordsReachTheHandlerAsALambdaEventTheDispatcherParses) {
  events_table_ = testing::unique_name("runner-events-");
  auto created = adapters::dynamodb::create_table(
      *dynamodb_,
      {.table_name = events_table_,
       .partition_key = {.name = "id", .type = "S"},
       .sort_key = adapters::dynamodb::KeyAttribute{.name = "version", .type = "N"},
       .stream_view_type = "KEYS_ONLY"},
      soon());
  ASSERT_TRUE(created.has_value() && created->latest_stream_arn.has_value());
  for (int version = 0; version < 3; ++version) {
    ASSERT_TRUE(dynamodb_
                    ->put_item({.table_name = events_table_,
                                .item = {{"id", string_value("Order:1")},
                                         {"version", integer_value(version)}}},
                               soon())
                    .has_value());
  }
  DynamoDbStreamSource source(std::make_shared<adapters::streams::StreamsClient>(rig_.json_client(
                                  adapters::aws::kDynamoDbStreamsService, endpoint_, {}, true)),
                              *created->latest_stream_arn);
  auto shards = source.shards(soon());
  ASSERT_TRUE(shards.has_value() && !shards->empty());
  auto iterator = source.iterator(shards->front().shard_id,
                                  core::runner::ShardPosition::trim_horizon(), soon());
  ASSERT_TRUE(iterator.has_value()) << iterator.error().describe();
  auto page = source.read(*iterator, 10, soon());
  ASSERT_TRUE(page.has_value()) << page.error().describe();
  ASSERT_EQ(page->records.size(), 3U);

  nlohmann::json event = {{"Records", nlohmann::json::array()}};
  for (const auto& record : page->records) {
    EXPECT_EQ(record.lambda_record.at("eventSourceARN"), *created->latest_stream_arn);
    EXPECT_EQ(record.lambda_record.at("dynamodb").at("SequenceNumber"), record.sequence_number);
    EXPECT_TRUE(record.lambda_record.at("dynamodb").contains("ApproximateCreationDateTime"));
    event["Records"].push_back(record.lambda_record);
  }
  auto batch = core::dispatch::parse_stream_event(event.dump());
  ASSERT_TRUE(batch.has_value()) << batch.error().describe();
  ASSERT_EQ(batch->records.size(), 3U);
  for (std::int64_t version = 0; version < 3; ++version) {
    const auto& parsed = batch->records[static_cast<std::size_t>(version)];
    EXPECT_EQ(parsed.aggregate_id, "Order:1");
    EXPECT_EQ(parsed.version, version);
    EXPECT_EQ(parsed.sequence_number,
              page->records[static_cast<std::size_t>(version)].sequence_number);
  }
}

TEST(RunnerBatchResponse, RetriesFromTheNumericallyLowestFailedRecord) {
  const auto none = retry_from_response(R"({"batchItemFailures":[]})");
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none.value(), std::nullopt);
  const auto lowest = retry_from_response(
      R"({"batchItemFailures":[{"itemIdentifier":"100"},{"itemIdentifier":"99"}]})");
  ASSERT_TRUE(lowest.has_value());
  EXPECT_EQ(lowest.value(), std::optional<std::string>("99"));
}

TEST(RunnerBatchResponse, RejectsAResponseItCannotRead) {
  for (const char* text : {"not json", "{}", R"({"batchItemFailures":[{"itemIdentifier":7}]})",
                           R"({"batchItemFailures":[{"itemIdentifier":"x1"}]})"}) {
    const auto answer = retry_from_response(text);
    ASSERT_FALSE(answer.has_value()) << text;
    EXPECT_EQ(answer.error().code, "InvalidBatchResponse");
  }
}

}  // namespace
}  // namespace dispatcher::app::runner
