#pragma once

// Table administration and whole-Query reads for tests and tools: library
// dispatcher_dynamodb_admin, which the production bootstrap does not link. DescribeTable, which the
// runner needs, stays on DynamoDbClient.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/dynamodb/dynamodb_client.h"
#include "core/clock.h"
#include "core/result.h"

namespace dispatcher::adapters::dynamodb {

struct CreateTableRequest {
  std::string table_name;
  KeyAttribute partition_key;
  std::optional<KeyAttribute> sort_key;
  /// "KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE" or "NEW_AND_OLD_IMAGES"; nullopt = no stream.
  std::optional<std::string> stream_view_type;
};  // billing mode is always PAY_PER_REQUEST

/// How often wait_for_table_active asks, unless told.
inline constexpr std::chrono::milliseconds kTablePollInterval{200};

/// CreateTable (on-demand billing) through `client`. Error ResourceInUseException when it exists.
[[nodiscard]] core::Result<TableDescription> create_table(DynamoDbClient& client,
                                                          const CreateTableRequest& request,
                                                          core::Deadline deadline);

/// Asks DescribeTable every `poll_interval` until the table is ACTIVE. Error: retryable
/// "DeadlineExceeded".
[[nodiscard]] core::Result<TableDescription> wait_for_table_active(
    DynamoDbClient& client, std::string_view table_name, core::Deadline deadline,
    std::chrono::milliseconds poll_interval = kTablePollInterval);

/// DeleteTable through `client`.
[[nodiscard]] core::Status delete_table(DynamoDbClient& client, std::string_view table_name,
                                        core::Deadline deadline);

/// DynamoDbClient::query_pages for one request.
[[nodiscard]] core::Result<QueryResult> query_all(DynamoDbClient& client,
                                                  const QueryRequest& request,
                                                  std::size_t max_items, core::Deadline deadline);

}  // namespace dispatcher::adapters::dynamodb
