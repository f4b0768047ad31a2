// DynamoDB client behaviour under faults the local DynamoDB cannot produce: unprocessed batch
// entries, throttled chunks, rejected chunks. Served by the scriptable fault server.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "adapters/dynamodb/dynamodb_client.h"
#include "core/dynamodb/json_codec.h"
#include "integration/http/aws_test_support.h"
#include "integration/http/fault_server.h"

namespace dispatcher::adapters::dynamodb {
namespace {

using core::dynamodb::integer_value;
using core::dynamodb::string_value;
using nlohmann::json;
using std::chrono::milliseconds;
using testing::AwsTestRig;
using testing::deadline_in;
using testing::FaultServer;

class DynamoDbFaults : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new FaultServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  DynamoDbClient client(DynamoDbClientOptions options = {}) {
    return DynamoDbClient(rig_.json_client(aws::kDynamoDbService, server_->url()), options);
  }

  /// The write requests of each BatchWriteItem the server received, in arrival order.
  static std::vector<std::size_t> batch_sizes(const std::string& table) {
    std::vector<std::size_t> sizes;
    const json log = server_->log();  // a named copy: the loop must not run over a temporary
    for (const auto& request : log["requests"]) {
      const json body = json::parse(request["body"].get<std::string>());
      const json& entries = body["RequestItems"][table];
      sizes.push_back(entries.is_array() ? entries.size() : entries["Keys"].size());
    }
    return sizes;
  }

  static std::vector<WriteRequest> puts(int count) {
    std::vector<WriteRequest> requests;
    for (int i = 0; i < count; ++i) {
      requests.emplace_back(PutRequest{
          .item = {{"id", string_value("a" + std::to_string(i))}, {"version", integer_value(i)}}});
    }
    return requests;
  }

  static FaultServer* server_;
  AwsTestRig rig_;
};

FaultServer* DynamoDbFaults::server_ = nullptr;

TEST_F(DynamoDbFaults, BatchWriteRetriesUnprocessedItemsUntilAllAreWritten) {
  // First wave: 3 chunks (25, 25, 10), each leaves 5 unprocessed; second wave: one chunk of 15.
  server_->script(json::array({{{"kind", "unprocessed"}, {"count", 5}},
                               {{"kind", "unprocessed"}, {"count", 5}},
                               {{"kind", "unprocessed"}, {"count", 5}}}),
                  {{"kind", "unprocessed"}, {"count", 0}});
  auto dynamodb = client();
  const auto statuses = dynamodb.batch_write("events", puts(60), deadline_in(milliseconds(30000)));
  ASSERT_EQ(statuses.size(), 60U);
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    EXPECT_TRUE(statuses[i].has_value()) << i << ": " << statuses[i].error().describe();
  }
  auto sizes = batch_sizes("events");
  ASSERT_EQ(sizes.size(), 4U);
  EXPECT_EQ(sizes[3], 15U);
  std::ranges::sort(sizes);
  EXPECT_EQ(sizes, (std::vector<std::size_t>{10, 15, 25, 25}));
  // One backoff before the second round (throttling base 1 s, random 0.5).
  EXPECT_EQ(*rig_.sleeps, (std::vector<milliseconds>{milliseconds(500)}));
}

TEST_F(DynamoDbFaults, BatchWriteReportsExactlyTheItemsStillUnprocessedWhenRoundsRunOut) {
  server_->script(json::array(), {{"kind", "unprocessed"}, {"count", 2}});
  auto dynamodb = client(DynamoDbClientOptions{.max_batch_rounds = 3});
  const auto statuses = dynamodb.batch_write("events", puts(10), deadline_in(milliseconds(30000)));
  for (std::size_t i = 0; i < 8; ++i) {
    EXPECT_TRUE(statuses[i].has_value()) << i;
  }
  for (std::size_t i = 8; i < 10; ++i) {
    ASSERT_FALSE(statuses[i].has_value()) << i;
    EXPECT_EQ(statuses[i].error().code, "UnprocessedItems");
    EXPECT_TRUE(statuses[i].error().retryable());
    EXPECT_EQ(statuses[i].error().service, "dynamodb");
  }
  EXPECT_EQ(batch_sizes("events"), (std::vector<std::size_t>{10, 2, 2}));
  EXPECT_EQ(*rig_.sleeps, (std::vector<milliseconds>{milliseconds(500), milliseconds(1000)}));
}

TEST_F(DynamoDbFaults, BatchWriteStopsRetryingUnprocessedItemsAtTheDeadline) {
  server_->script(json::array(), {{"kind", "unprocessed"}, {"count", 1}});
  auto dynamodb = client();
  // Backoff before round 2 would be 500 ms: a 300 ms deadline leaves no room for it.
  const auto statuses = dynamodb.batch_write("events", puts(3), deadline_in(milliseconds(300)));
  EXPECT_TRUE(statuses[0].has_value());
  EXPECT_TRUE(statuses[1].has_value());
  ASSERT_FALSE(statuses[2].has_value());
  EXPECT_EQ(statuses[2].error().code, "UnprocessedItems");
  EXPECT_NE(statuses[2].error().message.find("deadline"), std::string::npos);
  EXPECT_TRUE(rig_.sleeps->empty());
}

TEST_F(DynamoDbFaults, BatchWriteFailsOnlyTheItemsOfARejectedChunk) {
  server_->script(json::array({{{"kind", "error"}, {"code", "ValidationException"}}}));
  auto dynamodb = client();
  const auto statuses = dynamodb.batch_write("events", puts(30), deadline_in(milliseconds(30000)));
  std::size_t failed = 0;
  for (const auto& status : statuses) {
    if (!status.has_value()) {
      ++failed;
      EXPECT_EQ(status.error().code, "ValidationException");
      EXPECT_FALSE(status.error().retryable());
    }
  }
  // Whichever chunk the server answered first: 25 items or 5.
  EXPECT_TRUE(failed == 25 || failed == 5) << failed;
  EXPECT_EQ(server_->request_count(), 2U);
}

TEST_F(DynamoDbFaults, BatchWriteRetriesAThrottledChunkThroughTheRetryPolicy) {
  server_->script(
      json::array({{{"kind", "error"}, {"code", "ProvisionedThroughputExceededException"}}}));
  auto dynamodb = client();
  const auto statuses = dynamodb.batch_write("events", puts(5), deadline_in(milliseconds(30000)));
  for (const auto& status : statuses) {
    EXPECT_TRUE(status.has_value());
  }
  EXPECT_EQ(server_->request_count(), 2U);
}

TEST_F(DynamoDbFaults, BatchGetRetriesUnprocessedKeysUntilAllAreRead) {
  // 250 keys: chunks of 100, 100, 50, each leaving 30 unprocessed; then one chunk of 90.
  server_->script(json::array({{{"kind", "unprocessed"}, {"count", 30}},
                               {{"kind", "unprocessed"}, {"count", 30}},
                               {{"kind", "unprocessed"}, {"count", 30}}}),
                  {{"kind", "unprocessed"}, {"count", 0}});
  BatchGetRequest request{.table_name = "offsets", .consistent_read = true};
  for (int i = 0; i < 250; ++i) {
    request.keys.push_back({{"id", string_value("k" + std::to_string(i))}});
  }
  auto dynamodb = client();
  const auto answers = dynamodb.batch_get(request, deadline_in(milliseconds(30000)));
  ASSERT_EQ(answers.size(), 250U);
  for (std::size_t i = 0; i < answers.size(); ++i) {
    ASSERT_TRUE(answers[i].has_value()) << i << ": " << answers[i].error().describe();
    ASSERT_TRUE(answers[i]->has_value()) << i;
    EXPECT_EQ(**answers[i], request.keys[i]);
  }
  auto sizes = batch_sizes("offsets");
  ASSERT_EQ(sizes.size(), 4U);
  EXPECT_EQ(sizes[3], 90U);
  std::ranges::sort(sizes);
  EXPECT_EQ(sizes, (std::vector<std::size_t>{50, 90, 100, 100}));
  const json log = server_->log();
  for (const auto& received : log["requests"]) {
    const json body = json::parse(received["body"].get<std::string>());
    EXPECT_EQ(body["RequestItems"]["offsets"]["ConsistentRead"], true);
  }
}

TEST_F(DynamoDbFaults, BatchGetReportsKeysStillUnprocessedWhenRoundsRunOut) {
  server_->script(json::array(), {{"kind", "unprocessed"}, {"count", 1}});
  BatchGetRequest request{.table_name = "offsets"};
  for (int i = 0; i < 3; ++i) {
    request.keys.push_back({{"id", string_value("k" + std::to_string(i))}});
  }
  auto dynamodb = client(DynamoDbClientOptions{.max_batch_rounds = 2});
  const auto answers = dynamodb.batch_get(request, deadline_in(milliseconds(30000)));
  EXPECT_TRUE(answers[0].has_value() && answers[0]->has_value());
  EXPECT_TRUE(answers[1].has_value() && answers[1]->has_value());
  ASSERT_FALSE(answers[2].has_value());
  EXPECT_EQ(answers[2].error().code, "UnprocessedKeys");
  EXPECT_TRUE(answers[2].error().retryable());
}

TEST_F(DynamoDbFaults, QueryErrorCarriesCodeStatusAndRequestId) {
  server_->script(json::array({{{"kind", "error"}, {"code", "ResourceNotFoundException"}}}));
  auto dynamodb = client();
  const auto page =
      dynamodb.query(QueryRequest{.table_name = "missing",
                                  .key_condition_expression = "id = :id",
                                  .expression_attribute_values = {{":id", string_value("x")}}},
                     deadline_in(milliseconds(30000)));
  ASSERT_FALSE(page.has_value());
  EXPECT_EQ(page.error().code, "ResourceNotFoundException");
  EXPECT_EQ(page.error().http_status, 400);
  EXPECT_FALSE(page.error().request_id.empty());
  EXPECT_FALSE(page.error().retryable());
}

TEST_F(DynamoDbFaults, ResponseOfTheWrongShapeIsPermanent) {
  server_->script(json::array({{{"kind", "ok"}, {"body", {{"Count", 0}}}}}));
  auto dynamodb = client();
  const auto page = dynamodb.query(QueryRequest{.table_name = "t", .key_condition_expression = "x"},
                                   deadline_in(milliseconds(30000)));
  ASSERT_FALSE(page.has_value());
  EXPECT_EQ(page.error().code, "UnexpectedResponse");
  EXPECT_FALSE(page.error().retryable());
}

}  // namespace
}  // namespace dispatcher::adapters::dynamodb
