// The EventStore port on DynamoDB Local (STACK_DYNAMODB_ENDPOINT): the marker writes ring the
// stream exactly when they should, offsets only move forward, events come back in order.

#include "adapters/event_store/dynamodb_event_store.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "adapters/dynamodb/dynamodb_client.h"
#include "adapters/dynamodb/table_admin.h"
#include "adapters/streams/streams_client.h"
#include "integration/http/aws_test_support.h"

namespace dispatcher::adapters::event_store {
namespace {

using core::dispatch::AggregateId;
using core::dispatch::CommitOutcome;
using core::dispatch::EventQuery;
using core::dispatch::Hold;
using core::dispatch::HoldReason;
using core::dispatch::kMarkerVersion;
using core::dispatch::MarkerWrite;
using core::dispatch::OffsetCommit;
using core::dispatch::OffsetState;
using core::dispatch::ReadBudget;
using core::dispatch::StoredHold;
using core::dynamodb::integer_attribute;
using core::dynamodb::integer_value;
using core::dynamodb::Item;
using core::dynamodb::string_attribute;
using core::dynamodb::string_value;
using std::chrono::milliseconds;

core::Deadline soon() { return testing::deadline_in(milliseconds(60000)); }

class DynamoDbEventStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string endpoint = testing::stack_variable("STACK_DYNAMODB_ENDPOINT");
    client_ = std::make_shared<dynamodb::DynamoDbClient>(
        rig_.json_client(aws::kDynamoDbService, endpoint, {}, true));
    streams_ = std::make_unique<streams::StreamsClient>(
        rig_.json_client(aws::kDynamoDbStreamsService, endpoint, {}, true));
    events_table_ = testing::unique_name("store-events-");
    offsets_table_ = testing::unique_name("store-offsets-");
    auto events = dynamodb::create_table(
        *client_,
        dynamodb::CreateTableRequest{
            .table_name = events_table_,
            .partition_key = {.name = "id", .type = "S"},
            .sort_key = dynamodb::KeyAttribute{.name = "version", .type = "N"},
            .stream_view_type = "KEYS_ONLY"},
        soon());
    ASSERT_TRUE(events.has_value()) << events.error().describe();
    stream_arn_ = events->latest_stream_arn.value_or("");
    auto offsets = dynamodb::create_table(
        *client_,
        dynamodb::CreateTableRequest{.table_name = offsets_table_,
                                     .partition_key = {.name = "id", .type = "S"}},
        soon());
    ASSERT_TRUE(offsets.has_value()) << offsets.error().describe();
    ASSERT_TRUE(dynamodb::wait_for_table_active(*client_, events_table_, soon()).has_value());
    ASSERT_TRUE(dynamodb::wait_for_table_active(*client_, offsets_table_, soon()).has_value());
    store_ = std::make_unique<DynamoDbEventStore>(
        client_, EventStoreTables{.events_table = events_table_, .offsets_table = offsets_table_},
        rig_.clock);
  }

  void TearDown() override {
    if (client_) {
      (void)dynamodb::delete_table(*client_, events_table_, soon());
      (void)dynamodb::delete_table(*client_, offsets_table_, soon());
    }
  }

  /// Every stream record of the events table so far whose key is the marker of `aggregate_id`.
  std::size_t marker_records(const std::string& aggregate_id) {
    auto description = streams_->describe_stream(stream_arn_, soon());
    EXPECT_TRUE(description.has_value()) << description.error().describe();
    std::size_t count = 0;
    for (const auto& shard : description->shards) {
      auto iterator =
          streams_->shard_iterator(stream_arn_, shard.shard_id,
                                   streams::ShardIteratorType::kTrimHorizon, std::nullopt, soon());
      EXPECT_TRUE(iterator.has_value()) << iterator.error().describe();
      std::optional<std::string> next = *iterator;
      // An open shard always answers with a next iterator: stop at the first empty page.
      for (int page = 0; next && page < 20; ++page) {
        auto records = streams_->records(*next, std::nullopt, soon());
        EXPECT_TRUE(records.has_value()) << records.error().describe();
        for (const auto& record : records->records) {
          const auto* id = string_attribute(record.keys, "id");
          if (id != nullptr && *id == aggregate_id &&
              integer_attribute(record.keys, "version") == kMarkerVersion) {
            ++count;
          }
        }
        if (records->records.empty()) {
          break;
        }
        next = records->next_shard_iterator;
      }
    }
    return count;
  }

  void write_event(const std::string& aggregate_id, std::int64_t version) {
    auto written =
        client_->put_item(dynamodb::PutItemRequest{.table_name = events_table_,
                                                   .item = {{"id", string_value(aggregate_id)},
                                                            {"version", integer_value(version)},
                                                            {"eventType", string_value("Tested")}}},
                          soon());
    ASSERT_TRUE(written.has_value()) << written.error().describe();
  }

  testing::AwsTestRig rig_;
  std::shared_ptr<dynamodb::DynamoDbClient> client_;
  std::unique_ptr<streams::StreamsClient> streams_;
  std::unique_ptr<DynamoDbEventStore> store_;
  std::string events_table_;
  std::string offsets_table_;
  std::string stream_arn_;
};

TEST_F(DynamoDbEventStoreTest, MarkerWithANewTriggerRingsAgainAndARepeatedTriggerDoesNot) {
  const std::vector<MarkerWrite> first = {{.aggregate_id = "Order:1", .trigger = "100"}};
  for (const auto& status : store_->write_markers(first, soon())) {
    ASSERT_TRUE(status.has_value()) << status.error().describe();
  }
  // A retried batch writes the same trigger: the item does not change, no doorbell.
  for (const auto& status : store_->write_markers(first, soon())) {
    ASSERT_TRUE(status.has_value()) << status.error().describe();
  }
  // A new event writes a new trigger: the item changes, the doorbell rings again.
  const std::vector<MarkerWrite> second = {{.aggregate_id = "Order:1", .trigger = "200"}};
  for (const auto& status : store_->write_markers(second, soon())) {
    ASSERT_TRUE(status.has_value()) << status.error().describe();
  }
  EXPECT_EQ(marker_records("Order:1"), 2U);
}

TEST_F(DynamoDbEventStoreTest, MarkersOfManyAggregatesCrossTheBatchWriteLimit) {
  std::vector<MarkerWrite> markers;
  for (int i = 0; i < 60; ++i) {
    markers.push_back({.aggregate_id = "Order:" + std::to_string(i), .trigger = "7"});
  }
  const auto statuses = store_->write_markers(markers, soon());
  ASSERT_EQ(statuses.size(), markers.size());
  for (const auto& status : statuses) {
    EXPECT_TRUE(status.has_value()) << status.error().describe();
  }
  for (const int i : {0, 24, 25, 59}) {
    auto item = client_->get_item(events_table_,
                                  {{"id", string_value("Order:" + std::to_string(i))},
                                   {"version", integer_value(kMarkerVersion)}},
                                  true, soon());
    ASSERT_TRUE(item.has_value() && item->has_value()) << "marker " << i << " missing";
    EXPECT_EQ(*string_attribute(**item, "trigger"), "7");
  }
}

TEST_F(DynamoDbEventStoreTest, AbsentOffsetIsNulloptAndCommittedOffsetsOnlyMoveForward) {
  const std::vector<AggregateId> ids = {"Order:1", "Order:2"};
  auto offsets = store_->read_offsets(ids, soon());
  ASSERT_EQ(offsets.size(), 2U);
  ASSERT_TRUE(offsets[0].has_value()) << offsets[0].error().describe();
  EXPECT_EQ(*offsets[0], OffsetState{});

  const std::vector<OffsetCommit> forward = {{.aggregate_id = "Order:1", .version = 5},
                                             {.aggregate_id = "Order:2", .version = 0}};
  for (const auto& outcome : store_->commit_offsets(forward, soon())) {
    ASSERT_TRUE(outcome.has_value()) << outcome.error().describe();
    EXPECT_EQ(*outcome, CommitOutcome::kWritten);
  }
  // A late writer with an older offset loses the race: not an error, and the stored offset stays.
  const std::vector<OffsetCommit> backward = {{.aggregate_id = "Order:1", .version = 3}};
  for (const auto& outcome : store_->commit_offsets(backward, soon())) {
    ASSERT_TRUE(outcome.has_value()) << outcome.error().describe();
    EXPECT_EQ(*outcome, CommitOutcome::kLostRace);
  }
  offsets = store_->read_offsets(ids, soon());
  ASSERT_TRUE(offsets[0].has_value() && offsets[1].has_value());
  EXPECT_EQ(offsets[0]->version, std::optional<std::int64_t>(5));
  EXPECT_EQ(offsets[1]->version, std::optional<std::int64_t>(0));
  EXPECT_TRUE(offsets[0]->dispatched_at_milliseconds.has_value());
}

TEST_F(DynamoDbEventStoreTest, HoldIsStoredWithTheCommitAndRemovedByTheNextOne) {
  const StoredHold refused{
      .hold = Hold{.version = 4, .reason = HoldReason::kRefused, .detail = "too large"},
      .since_milliseconds = 1'700'000'000'000};
  const std::vector<OffsetCommit> held = {
      {.aggregate_id = "Order:1", .version = 3, .hold = refused}};
  for (const auto& outcome : store_->commit_offsets(held, soon())) {
    ASSERT_TRUE(outcome.has_value()) << outcome.error().describe();
  }
  const std::vector<AggregateId> ids = {"Order:1"};
  auto offsets = store_->read_offsets(ids, soon());
  ASSERT_TRUE(offsets[0].has_value()) << offsets[0].error().describe();
  EXPECT_EQ(offsets[0]->version, std::optional<std::int64_t>(3));
  EXPECT_EQ(offsets[0]->hold, std::optional<StoredHold>(refused));

  const std::vector<OffsetCommit> moved_on = {{.aggregate_id = "Order:1", .version = 6}};
  for (const auto& outcome : store_->commit_offsets(moved_on, soon())) {
    ASSERT_TRUE(outcome.has_value()) << outcome.error().describe();
  }
  offsets = store_->read_offsets(ids, soon());
  ASSERT_TRUE(offsets[0].has_value());
  EXPECT_EQ(offsets[0]->version, std::optional<std::int64_t>(6));
  EXPECT_EQ(offsets[0]->hold, std::nullopt);
}

TEST_F(DynamoDbEventStoreTest, HoldOnlyWriteLandsOnlyOnTheOffsetItWasPlannedAgainst) {
  const StoredHold gap{.hold = Hold{.version = 0, .reason = HoldReason::kGap, .detail = "missing"},
                       .since_milliseconds = 42};
  // No offset yet: the hold is stored on a new item that has no version.
  const std::vector<OffsetCommit> first = {{.aggregate_id = "Order:1", .hold = gap}};
  auto outcomes = store_->commit_offsets(first, soon());
  ASSERT_TRUE(outcomes[0].has_value()) << outcomes[0].error().describe();
  EXPECT_EQ(*outcomes[0], CommitOutcome::kWritten);
  const std::vector<AggregateId> ids = {"Order:1"};
  auto offsets = store_->read_offsets(ids, soon());
  ASSERT_TRUE(offsets[0].has_value()) << offsets[0].error().describe();
  EXPECT_EQ(offsets[0]->version, std::nullopt);
  EXPECT_EQ(offsets[0]->hold, std::optional<StoredHold>(gap));

  // Another invocation commits version 2; a hold planned against "no offset" must not land.
  const std::vector<OffsetCommit> commit = {{.aggregate_id = "Order:1", .version = 2}};
  ASSERT_TRUE(store_->commit_offsets(commit, soon())[0].has_value());
  outcomes = store_->commit_offsets(first, soon());
  ASSERT_TRUE(outcomes[0].has_value());
  EXPECT_EQ(*outcomes[0], CommitOutcome::kLostRace);
  const std::vector<OffsetCommit> stale = {
      {.aggregate_id = "Order:1", .read_offset = 1, .hold = gap}};
  outcomes = store_->commit_offsets(stale, soon());
  ASSERT_TRUE(outcomes[0].has_value());
  EXPECT_EQ(*outcomes[0], CommitOutcome::kLostRace);
  offsets = store_->read_offsets(ids, soon());
  ASSERT_TRUE(offsets[0].has_value());
  EXPECT_EQ(offsets[0]->version, std::optional<std::int64_t>(2));
  EXPECT_EQ(offsets[0]->hold, std::nullopt);
}

TEST_F(DynamoDbEventStoreTest, CorruptOffsetItemCanCarryItsHoldAndKeepsItsStart) {
  auto written = client_->put_item(
      dynamodb::PutItemRequest{
          .table_name = offsets_table_,
          .item = {{"id", string_value("Order:9")}, {"version", string_value("five")}}},
      soon());
  ASSERT_TRUE(written.has_value());
  const auto corrupt = [](std::int64_t since) {
    return StoredHold{.hold = Hold{.version = -1, .reason = HoldReason::kCorrupt, .detail = "bad"},
                      .since_milliseconds = since};
  };
  for (const std::int64_t since : {100, 200}) {
    const std::vector<OffsetCommit> hold = {
        {.aggregate_id = "Order:9", .offset_unreadable = true, .hold = corrupt(since)}};
    const auto outcomes = store_->commit_offsets(hold, soon());
    ASSERT_TRUE(outcomes[0].has_value()) << outcomes[0].error().describe();
    EXPECT_EQ(*outcomes[0], CommitOutcome::kWritten);
  }
  auto item = client_->get_item(offsets_table_, {{"id", string_value("Order:9")}}, true, soon());
  ASSERT_TRUE(item.has_value() && item->has_value());
  EXPECT_EQ(*string_attribute(**item, "version"), "five");  // left for the operator to fix
  EXPECT_EQ(*string_attribute(**item, "hold_reason"), "corrupt");
  EXPECT_EQ(integer_attribute(**item, "held_since"), std::optional<std::int64_t>(100));
}

TEST_F(DynamoDbEventStoreTest, OffsetItemWithoutIntegerVersionIsAPermanentError) {
  auto written = client_->put_item(
      dynamodb::PutItemRequest{
          .table_name = offsets_table_,
          .item = {{"id", string_value("Order:9")}, {"version", string_value("five")}}},
      soon());
  ASSERT_TRUE(written.has_value());
  const std::vector<AggregateId> ids = {"Order:9"};
  const auto offsets = store_->read_offsets(ids, soon());
  ASSERT_FALSE(offsets[0].has_value());
  EXPECT_EQ(offsets[0].error().code, "InvalidOffsetItem");
  EXPECT_FALSE(offsets[0].error().retryable());
}

TEST_F(DynamoDbEventStoreTest, ReadsEventsAfterTheOffsetInOrderSkippingTheMarker) {
  for (std::int64_t version = 0; version < 6; ++version) {
    write_event("Order:1", version);
  }
  write_event("Order:2", 0);
  const std::vector<MarkerWrite> marker = {{.aggregate_id = "Order:1", .trigger = "1"}};
  for (const auto& status : store_->write_markers(marker, soon())) {
    ASSERT_TRUE(status.has_value());
  }
  const std::vector<EventQuery> queries = {
      {.aggregate_id = "Order:1", .after_version = -1, .max_events = 100},
      {.aggregate_id = "Order:1", .after_version = 2, .max_events = 2},
      {.aggregate_id = "Order:2", .after_version = 0, .max_events = 100}};
  const auto pages = store_->read_events(queries, ReadBudget{}, soon());
  ASSERT_EQ(pages.size(), 3U);
  for (const auto& page : pages) {
    ASSERT_TRUE(page.has_value()) << page.error().describe();
  }
  std::vector<std::int64_t> versions;
  for (const auto& item : pages[0]->items) {
    versions.push_back(integer_attribute(item, "version").value_or(-99));
  }
  EXPECT_EQ(versions, (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_FALSE(pages[0]->more_available);
  ASSERT_EQ(pages[1]->items.size(), 2U);
  EXPECT_EQ(integer_attribute(pages[1]->items[0], "version"), std::optional<std::int64_t>(3));
  EXPECT_TRUE(pages[1]->more_available);
  EXPECT_TRUE(pages[2]->items.empty());
}

TEST_F(DynamoDbEventStoreTest, ByteBudgetBoundsWhatIsReadAndSaysWhatWasLeftOut) {
  // 3 aggregates x 12 events of ~100 KB: 3.6 MB in the table, a budget of 2.5 MiB.
  const std::string payload(100'000, 'x');
  for (const std::string aggregate : {"Order:1", "Order:2", "Order:3"}) {
    for (std::int64_t version = 0; version < 12; ++version) {
      auto written = client_->put_item(
          dynamodb::PutItemRequest{.table_name = events_table_,
                                   .item = {{"id", string_value(aggregate)},
                                            {"version", integer_value(version)},
                                            {"data", core::dynamodb::binary_value(payload)}}},
          soon());
      ASSERT_TRUE(written.has_value()) << written.error().describe();
    }
  }
  std::vector<EventQuery> queries;
  for (const std::string aggregate : {"Order:1", "Order:2", "Order:3"}) {
    queries.push_back({.aggregate_id = aggregate, .after_version = -1, .max_events = 1000});
  }
  const std::size_t budget = std::size_t{5} << 19U;  // 2.5 MiB
  const auto pages = store_->read_events(queries, ReadBudget{.max_bytes = budget}, soon());
  ASSERT_EQ(pages.size(), 3U);
  std::size_t total = 0;
  bool some_left_out = false;
  for (const auto& page : pages) {
    ASSERT_TRUE(page.has_value()) << page.error().describe();
    total += page->bytes;
    some_left_out = some_left_out || page->over_budget;
    if (page->over_budget) {
      EXPECT_TRUE(page->more_available);
    }
    // What was read is the start of the aggregate, in order.
    for (std::size_t i = 0; i < page->items.size(); ++i) {
      EXPECT_EQ(integer_attribute(page->items[i], "version"),
                std::optional<std::int64_t>(static_cast<std::int64_t>(i)));
    }
  }
  EXPECT_TRUE(some_left_out);
  // At most the budget plus one page per request in flight (DynamoDB pages are <= 1 MB).
  EXPECT_LE(total, budget + (std::size_t{1} << 20U));
  EXPECT_GT(total, 0U);
}

}  // namespace
}  // namespace dispatcher::adapters::event_store
