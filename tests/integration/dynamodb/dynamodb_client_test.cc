// The DynamoDB client against DynamoDB Local from the shared stack (STACK_DYNAMODB_ENDPOINT).

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "adapters/dynamodb/dynamodb_client.h"
#include "adapters/dynamodb/table_admin.h"
#include "integration/http/aws_test_support.h"

namespace dispatcher::adapters::dynamodb {
namespace {

using core::dynamodb::integer_attribute;
using core::dynamodb::integer_value;
using core::dynamodb::string_attribute;
using core::dynamodb::string_value;
using std::chrono::milliseconds;
using testing::AwsTestRig;
using testing::deadline_in;

core::Deadline soon() { return deadline_in(milliseconds(60000)); }

Item event(const std::string& id, std::int64_t version) {
  return {{"id", string_value(id)},
          {"version", integer_value(version)},
          {"eventType", string_value("Tested")}};
}

Item key(const std::string& id, std::int64_t version) {
  return {{"id", string_value(id)}, {"version", integer_value(version)}};
}

/// One table per test (unique name), deleted afterwards.
class DynamoDbLocal : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = std::make_unique<DynamoDbClient>(rig_.json_client(
        aws::kDynamoDbService, testing::stack_variable("STACK_DYNAMODB_ENDPOINT"), {}, true));
    table_ = testing::unique_name("http-helper-events-");
    auto created =
        create_table(*client_,
                     CreateTableRequest{.table_name = table_,
                                        .partition_key = {.name = "id", .type = "S"},
                                        .sort_key = KeyAttribute{.name = "version", .type = "N"},
                                        .stream_view_type = "NEW_AND_OLD_IMAGES"},
                     soon());
    ASSERT_TRUE(created.has_value()) << created.error().describe();
    auto active = wait_for_table_active(*client_, table_, soon());
    ASSERT_TRUE(active.has_value()) << active.error().describe();
  }

  void TearDown() override {
    if (client_) {
      EXPECT_TRUE(delete_table(*client_, table_, soon()).has_value());
    }
  }

  void write_events(const std::string& id, int count) {
    std::vector<WriteRequest> requests;
    for (int v = 0; v < count; ++v) {
      requests.emplace_back(PutRequest{.item = event(id, v)});
    }
    for (const auto& status : client_->batch_write(table_, requests, soon())) {
      ASSERT_TRUE(status.has_value()) << status.error().describe();
    }
  }

  QueryRequest events_after(const std::string& id, std::int64_t after) const {
    return QueryRequest{.table_name = table_,
                        .key_condition_expression = "#id = :id AND #v > :after",
                        .expression_attribute_names = {{"#id", "id"}, {"#v", "version"}},
                        .expression_attribute_values = {{":id", string_value(id)},
                                                        {":after", integer_value(after)}},
                        .consistent_read = true};
  }

  static std::vector<std::int64_t> versions(const std::vector<Item>& items) {
    std::vector<std::int64_t> result;
    for (const auto& item : items) {
      result.push_back(integer_attribute(item, "version").value_or(-999));
    }
    return result;
  }

  static std::vector<std::int64_t> range(std::int64_t from, std::int64_t to) {
    std::vector<std::int64_t> result;
    for (auto v = from; v < to; ++v) {
      result.push_back(v);
    }
    return result;
  }

  AwsTestRig rig_;
  std::unique_ptr<DynamoDbClient> client_;
  std::string table_;
};

TEST_F(DynamoDbLocal, DescribesTheTableItCreated) {
  const auto description = client_->describe_table(table_, soon());
  ASSERT_TRUE(description.has_value()) << description.error().describe();
  EXPECT_EQ(description->table_name, table_);
  EXPECT_EQ(description->table_status, "ACTIVE");
  EXPECT_EQ(description->partition_key, (KeyAttribute{.name = "id", .type = "S"}));
  EXPECT_EQ(description->sort_key, (KeyAttribute{.name = "version", .type = "N"}));
  EXPECT_EQ(description->stream_view_type, "NEW_AND_OLD_IMAGES");
  ASSERT_TRUE(description->latest_stream_arn.has_value());
  EXPECT_NE(description->latest_stream_arn->find(table_), std::string::npos);
}

TEST_F(DynamoDbLocal, BatchWriteOfSixtyItemsWritesEveryOne) {
  write_events("agg-1", 60);
  const auto all = query_all(*client_, events_after("agg-1", -1), kAllItems, soon());
  ASSERT_TRUE(all.has_value()) << all.error().describe();
  EXPECT_EQ(versions(all->items), range(0, 60));
}

TEST_F(DynamoDbLocal, BatchWriteDeletesAsWellAsPuts) {
  write_events("agg-d", 30);
  std::vector<WriteRequest> deletes;
  for (int v = 0; v < 30; v += 2) {
    deletes.emplace_back(DeleteRequest{.key = key("agg-d", v)});
  }
  for (const auto& status : client_->batch_write(table_, deletes, soon())) {
    ASSERT_TRUE(status.has_value()) << status.error().describe();
  }
  const auto all = query_all(*client_, events_after("agg-d", -1), kAllItems, soon());
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->items.size(), 15U);
  EXPECT_EQ(versions(all->items).front(), 1);
}

TEST_F(DynamoDbLocal, BatchGetOfTwoHundredFiftyKeysFindsWhatExistsAndOnlyThat) {
  write_events("agg-g", 60);
  BatchGetRequest request{.table_name = table_, .consistent_read = true};
  for (int v = 0; v < 250; ++v) {
    request.keys.push_back(key("agg-g", v));
  }
  request.keys.push_back(key("agg-g", 7));  // a duplicate gets the same answer
  const auto answers = client_->batch_get(request, soon());
  ASSERT_EQ(answers.size(), 251U);
  for (std::size_t v = 0; v < 250; ++v) {
    ASSERT_TRUE(answers[v].has_value()) << answers[v].error().describe();
    if (v < 60) {
      ASSERT_TRUE(answers[v]->has_value()) << v;
      EXPECT_EQ(**answers[v], event("agg-g", static_cast<std::int64_t>(v)));
    } else {
      EXPECT_FALSE(answers[v]->has_value()) << v;
    }
  }
  ASSERT_TRUE(answers[250].has_value() && answers[250]->has_value());
  EXPECT_EQ(integer_attribute(**answers[250], "version"), 7);
}

TEST_F(DynamoDbLocal, QueryPagesWithLimitAndExclusiveStartKey) {
  write_events("agg-p", 20);
  QueryRequest request = events_after("agg-p", 4);
  request.limit = 6;
  const auto first = client_->query(request, soon());
  ASSERT_TRUE(first.has_value()) << first.error().describe();
  EXPECT_EQ(versions(first->items), range(5, 11));
  ASSERT_TRUE(first->last_evaluated_key.has_value());

  request.exclusive_start_key = first->last_evaluated_key;
  const auto second = client_->query(request, soon());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(versions(second->items), range(11, 17));
}

TEST_F(DynamoDbLocal, QueryAllReadsEveryPageInOrder) {
  write_events("agg-a", 50);
  QueryRequest request = events_after("agg-a", -1);
  request.limit = 7;
  const auto all = query_all(*client_, request, kAllItems, soon());
  ASSERT_TRUE(all.has_value()) << all.error().describe();
  EXPECT_EQ(versions(all->items), range(0, 50));
  EXPECT_GE(all->pages, 8U);
  EXPECT_FALSE(all->more_available());
}

TEST_F(DynamoDbLocal, QueryAllStopsAtMaxItemsAndSaysMoreMayFollow) {
  write_events("agg-m", 50);
  QueryRequest request = events_after("agg-m", 9);
  request.limit = 15;
  const auto some = query_all(*client_, request, 20, soon());
  ASSERT_TRUE(some.has_value()) << some.error().describe();
  EXPECT_EQ(versions(some->items), range(10, 30));
  EXPECT_TRUE(some->more_available());
  EXPECT_EQ(some->pages, 2U);  // 15 then the 5 still allowed
}

TEST_F(DynamoDbLocal, QueryPagesReadsManyAggregatesTogether) {
  for (int a = 0; a < 5; ++a) {
    write_events("agg-many-" + std::to_string(a), 10 + a);
  }
  std::vector<QueryRequest> requests;
  for (int a = 0; a < 5; ++a) {
    requests.push_back(events_after("agg-many-" + std::to_string(a), 2));
    requests.back().limit = 3;
  }
  requests.push_back(events_after("agg-none", -1));
  const auto results = client_->query_pages(requests, kAllItems, soon());
  ASSERT_EQ(results.size(), 6U);
  for (int a = 0; a < 5; ++a) {
    ASSERT_TRUE(results[static_cast<std::size_t>(a)].has_value());
    EXPECT_EQ(versions(results[static_cast<std::size_t>(a)]->items), range(3, 10 + a));
  }
  ASSERT_TRUE(results[5].has_value());
  EXPECT_TRUE(results[5]->items.empty());
}

TEST_F(DynamoDbLocal, QueryPagesKeepsEachRequestsOwnMaximum) {
  write_events("agg-own-0", 30);
  write_events("agg-own-1", 30);
  const std::vector<QueryRequest> requests = {events_after("agg-own-0", -1),
                                              events_after("agg-own-1", 4)};
  const std::vector<std::size_t> maxima = {3, 12};
  const auto results = client_->query_pages(requests, maxima, 0, soon());
  ASSERT_TRUE(results[0].has_value() && results[1].has_value());
  EXPECT_EQ(versions(results[0]->items), range(0, 3));
  EXPECT_TRUE(results[0]->more_available());
  EXPECT_EQ(versions(results[1]->items), range(5, 17));
  EXPECT_TRUE(results[1]->more_available());
}

TEST_F(DynamoDbLocal, ConditionalPutAppliesOnceThenReportsTheFailedCondition) {
  const PutItemRequest put{.table_name = table_,
                           .item = event("agg-c", 0),
                           .condition_expression = "attribute_not_exists(#id)",
                           .expression_attribute_names = {{"#id", "id"}}};
  const auto first = client_->put_item(put, soon());
  ASSERT_TRUE(first.has_value()) << first.error().describe();
  EXPECT_EQ(*first, ConditionOutcome::kApplied);
  const auto second = client_->put_item(put, soon());
  ASSERT_TRUE(second.has_value()) << second.error().describe();
  EXPECT_EQ(*second, ConditionOutcome::kConditionFailed);
}

TEST_F(DynamoDbLocal, ConditionalUpdatesMoveAnOffsetOnlyForward) {
  const auto commit = [&](std::int64_t version) {
    return UpdateItemRequest{
        .table_name = table_,
        .key = key("offsets-of-agg", -5),
        .update_expression = "SET #o = :o",
        .condition_expression = "attribute_not_exists(#o) OR #o < :o",
        .expression_attribute_names = {{"#o", "offset"}},
        .expression_attribute_values = {{":o", integer_value(version)}},
    };
  };
  const std::vector<UpdateItemRequest> wave = {commit(5)};
  const auto applied = client_->update_items(wave, soon());
  ASSERT_TRUE(applied[0].has_value()) << applied[0].error().describe();
  EXPECT_EQ(*applied[0], ConditionOutcome::kApplied);

  const auto older = client_->update_item(commit(3), soon());
  ASSERT_TRUE(older.has_value());
  EXPECT_EQ(*older, ConditionOutcome::kConditionFailed);
  const auto same = client_->update_item(commit(5), soon());
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(*same, ConditionOutcome::kConditionFailed);
  const auto newer = client_->update_item(commit(9), soon());
  ASSERT_TRUE(newer.has_value());
  EXPECT_EQ(*newer, ConditionOutcome::kApplied);

  const auto stored = client_->get_item(table_, key("offsets-of-agg", -5), true, soon());
  ASSERT_TRUE(stored.has_value() && stored->has_value());
  EXPECT_EQ(integer_attribute(**stored, "offset"), 9);
}

TEST_F(DynamoDbLocal, PutItemsSendsManyConditionalWritesTogether) {
  std::vector<PutItemRequest> puts;
  for (int v = 0; v < 40; ++v) {
    puts.push_back({.table_name = table_,
                    .item = event("agg-pi", v % 20),
                    .condition_expression = "attribute_not_exists(#id)",
                    .expression_attribute_names = {{"#id", "id"}}});
  }
  // Each key is written twice: exactly one of each pair applies, whatever the order.
  const auto outcomes = client_->put_items(std::span(puts).first(20), soon());
  const auto repeats = client_->put_items(std::span(puts).last(20), soon());
  for (std::size_t i = 0; i < 20; ++i) {
    ASSERT_TRUE(outcomes[i].has_value() && repeats[i].has_value());
    EXPECT_EQ(*outcomes[i], ConditionOutcome::kApplied);
    EXPECT_EQ(*repeats[i], ConditionOutcome::kConditionFailed);
  }
}

TEST_F(DynamoDbLocal, GetItemOfAMissingItemIsNullopt) {
  const auto missing = client_->get_item(table_, key("nobody", 0), true, soon());
  ASSERT_TRUE(missing.has_value()) << missing.error().describe();
  EXPECT_FALSE(missing->has_value());
}

TEST_F(DynamoDbLocal, MissingTableIsAPermanentResourceNotFound) {
  const auto page =
      client_->query(QueryRequest{.table_name = table_ + "-missing",
                                  .key_condition_expression = "id = :id",
                                  .expression_attribute_values = {{":id", string_value("x")}}},
                     soon());
  ASSERT_FALSE(page.has_value());
  EXPECT_EQ(page.error().code, "ResourceNotFoundException");
  EXPECT_EQ(page.error().http_status, 400);
  EXPECT_EQ(page.error().service, "dynamodb");
  EXPECT_FALSE(page.error().request_id.empty());
  EXPECT_FALSE(page.error().retryable());
}

TEST_F(DynamoDbLocal, InvalidExpressionIsAValidationExceptionNotRetried) {
  const auto page = client_->query(
      QueryRequest{.table_name = table_, .key_condition_expression = "id = = :id"}, soon());
  ASSERT_FALSE(page.has_value());
  EXPECT_EQ(page.error().code, "ValidationException");
  EXPECT_FALSE(page.error().retryable());
  EXPECT_EQ(page.error().message.find("gave up"), std::string::npos);
}

TEST_F(DynamoDbLocal, CreatingAnExistingTableIsResourceInUse) {
  const auto again = create_table(
      *client_,
      CreateTableRequest{.table_name = table_, .partition_key = {.name = "id", .type = "S"}},
      soon());
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, "ResourceInUseException");
}

}  // namespace
}  // namespace dispatcher::adapters::dynamodb
