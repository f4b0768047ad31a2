#pragma once

// DynamoDB operations over the AWS JSON protocol: Query (with pagination), BatchGetItem and
// BatchWriteItem (chunked, unprocessed entries retried), conditional PutItem/UpdateItem,
// GetItem and DescribeTable. One source file per operation family (query.cc, batch_get.cc,
// batch_write.cc, table_description.cc, dynamodb_client.cc for the single-item calls); table
// administration for tests and tools is in table_admin.h, outside the production library.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "adapters/aws/json_client.h"
#include "core/clock.h"
#include "core/dynamodb/attribute_value.h"
#include "core/result.h"

namespace dispatcher::adapters::dynamodb {

using core::dynamodb::AttributeValue;
using core::dynamodb::Item;

/// Placeholder names of an expression: "#v" -> "version".
using ExpressionNames = std::map<std::string, std::string>;
/// Placeholder values of an expression: ":v" -> value.
using ExpressionValues = Item;

// ---- Query -----------------------------------------------------------------------------------

struct QueryRequest {
  std::string table_name;
  std::string key_condition_expression;  ///< "#id = :id AND #v > :after"
  ExpressionNames expression_attribute_names;
  ExpressionValues expression_attribute_values;
  std::optional<std::string> filter_expression;
  std::optional<std::string> projection_expression;
  std::optional<std::string> index_name;
  bool consistent_read = false;
  bool scan_index_forward = true;  ///< ascending by sort key
  std::optional<int> limit;        ///< items evaluated per page (DynamoDB's Limit)
  std::optional<Item> exclusive_start_key;
};

/// One page of a Query.
struct QueryPage {
  std::vector<Item> items;
  /// Where the next page starts; nullopt after the last page.
  std::optional<Item> last_evaluated_key;
};

/// Several pages of a Query, read until the end or until max_items.
struct QueryResult {
  std::vector<Item> items;
  /// Set when reading stopped at max_items before DynamoDB said it was done: more items may
  /// follow (DynamoDB cannot tell at a page boundary, so there may also be none).
  std::optional<Item> last_evaluated_key;
  std::size_t pages = 0;
  std::size_t bytes = 0;  ///< core::dynamodb::approximate_size of `items`
  /// Reading stopped (or never started) because the call's byte budget was spent; more items
  /// may follow.
  bool over_budget = false;

  [[nodiscard]] bool more_available() const noexcept {
    return last_evaluated_key.has_value() || over_budget;
  }
};

inline constexpr std::size_t kAllItems = std::numeric_limits<std::size_t>::max();

// ---- Batches ---------------------------------------------------------------------------------

struct BatchGetRequest {
  std::string table_name;
  std::vector<Item> keys;  ///< duplicates allowed: each gets the same answer
  bool consistent_read = false;
  /// When set, it must keep the key attributes: answers are matched to keys by them.
  std::optional<std::string> projection_expression;
  ExpressionNames expression_attribute_names;
};

struct PutRequest {
  Item item;
};
struct DeleteRequest {
  Item key;
};
using WriteRequest = std::variant<PutRequest, DeleteRequest>;

// ---- Conditional writes ----------------------------------------------------------------------

struct PutItemRequest {
  std::string table_name;
  Item item;
  std::optional<std::string> condition_expression;  ///< "attribute_not_exists(#v) OR #v < :v"
  ExpressionNames expression_attribute_names;
  ExpressionValues expression_attribute_values;
};

struct UpdateItemRequest {
  std::string table_name;
  Item key;
  std::string update_expression;  ///< "SET #t = :t"
  std::optional<std::string> condition_expression;
  ExpressionNames expression_attribute_names;
  ExpressionValues expression_attribute_values;
};

/// A failed condition is an answer, not an error.
enum class ConditionOutcome : unsigned char {
  kApplied,          ///< the write happened
  kConditionFailed,  ///< ConditionalCheckFailedException: the item was left as it was
};

// ---- Tables ----------------------------------------------------------------------------------

struct KeyAttribute {
  std::string name;
  std::string type = "S";  ///< "S", "N" or "B"
  friend bool operator==(const KeyAttribute&, const KeyAttribute&) = default;
};

struct TableDescription {
  std::string table_name;
  std::string table_arn;
  std::string table_status;  ///< "CREATING", "ACTIVE", "DELETING", "UPDATING"
  KeyAttribute partition_key;
  std::optional<KeyAttribute> sort_key;
  std::optional<std::string> latest_stream_arn;
  std::optional<std::string> stream_view_type;  ///< when a stream is enabled
  std::int64_t item_count = 0;                  ///< approximate, updated by DynamoDB every ~6 h
};

struct DynamoDbClientOptions {
  /// Rounds of a batch call: the first plus retries of what DynamoDB left unprocessed, with
  /// exponential backoff (the retry policy's throttling base) between rounds. The deadline may
  /// end them sooner.
  int max_batch_rounds = 10;
};

/// DynamoDB through one JsonClient made for aws::kDynamoDbService. Thread-compatible.
/// Every error is a core::Error with service "dynamodb" as JsonClient::call describes; a
/// response whose shape is not what the operation returns is permanent "UnexpectedResponse".
class DynamoDbClient {
 public:
  explicit DynamoDbClient(std::shared_ptr<aws::JsonClient> json,
                          DynamoDbClientOptions options = {});

  /// One page of a Query.
  [[nodiscard]] core::Result<QueryPage> query(const QueryRequest& request, core::Deadline deadline);

  /// Reads each Query page by page (ExclusiveStartKey), at most `max_items` items per request
  /// (kAllItems: to the end). All requests are in flight together: each wave sends the next page
  /// of every unfinished request. Result i belongs to requests[i].
  [[nodiscard]] std::vector<core::Result<QueryResult>> query_pages(
      std::span<const QueryRequest> requests, std::size_t max_items, core::Deadline deadline);

  /// As above with a limit per request: at most max_items[i] items for requests[i] (the spans
  /// have the same length), and a memory budget for all of them: with max_bytes > 0 a page is only
  /// requested while the items read so far plus one full page (1 MiB, DynamoDB's limit) for every
  /// page in flight fit in max_bytes, and one request stops paging once it holds its share
  /// (max_bytes / requests). Requests left out come back over_budget (with what they read).
  [[nodiscard]] std::vector<core::Result<QueryResult>> query_pages(
      std::span<const QueryRequest> requests, std::span<const std::size_t> max_items,
      std::size_t max_bytes, core::Deadline deadline);

  /// BatchGetItem in chunks of 100 keys sent together; UnprocessedKeys are retried with backoff
  /// until none are left or rounds/deadline run out. Result i belongs to request.keys[i]: the
  /// item, nullopt when there is none, or the error that kept it unread — the chunk's error, or
  /// retryable "UnprocessedKeys" when DynamoDB still had not processed it.
  [[nodiscard]] std::vector<core::Result<std::optional<Item>>> batch_get(
      const BatchGetRequest& request, core::Deadline deadline);

  /// BatchWriteItem in chunks of 25 sent together; UnprocessedItems are retried with backoff
  /// until none are left or rounds/deadline run out. Status i belongs to requests[i]: success
  /// means written; otherwise the chunk's error, or retryable "UnprocessedItems" when DynamoDB
  /// still had not written it. Requests must not share a key (DynamoDB rejects such a chunk with
  /// ValidationException).
  [[nodiscard]] std::vector<core::Status> batch_write(std::string_view table_name,
                                                      std::span<const WriteRequest> requests,
                                                      core::Deadline deadline);

  /// PutItem, conditional when condition_expression is set.
  [[nodiscard]] core::Result<ConditionOutcome> put_item(const PutItemRequest& request,
                                                        core::Deadline deadline);
  /// PutItems all in flight together. Result i belongs to requests[i].
  [[nodiscard]] std::vector<core::Result<ConditionOutcome>> put_items(
      std::span<const PutItemRequest> requests, core::Deadline deadline);

  /// UpdateItem, conditional when condition_expression is set.
  [[nodiscard]] core::Result<ConditionOutcome> update_item(const UpdateItemRequest& request,
                                                           core::Deadline deadline);
  /// UpdateItems all in flight together. Result i belongs to requests[i].
  [[nodiscard]] std::vector<core::Result<ConditionOutcome>> update_items(
      std::span<const UpdateItemRequest> requests, core::Deadline deadline);

  /// GetItem; nullopt when there is no such item.
  [[nodiscard]] core::Result<std::optional<Item>> get_item(std::string_view table_name,
                                                           const Item& key, bool consistent_read,
                                                           core::Deadline deadline);

  /// DescribeTable: the table's key schema, status and stream.
  [[nodiscard]] core::Result<TableDescription> describe_table(std::string_view table_name,
                                                              core::Deadline deadline);

  /// The JsonClient every operation goes through (table administration uses it too).
  [[nodiscard]] aws::JsonClient& json_client() const noexcept { return *json_; }

 private:
  std::shared_ptr<aws::JsonClient> json_;
  DynamoDbClientOptions options_;
};

}  // namespace dispatcher::adapters::dynamodb
