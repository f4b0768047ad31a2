#include "app/runner/state_table.h"

#include <utility>

#include "core/encoding/utc_time.h"
#include "core/runner/state_keys.h"

namespace dispatcher::app::runner {
namespace {

using adapters::dynamodb::ConditionOutcome;
using core::dynamodb::bool_value;
using core::dynamodb::integer_value;
using core::dynamodb::Item;
using core::dynamodb::string_value;

std::int64_t epoch_milliseconds(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

core::Error unexpected_item(std::string message) {
  return core::permanent_error("UnexpectedStateItem", std::move(message), "dynamodb");
}

}  // namespace

DynamoDbCheckpointStore::DynamoDbCheckpointStore(
    std::shared_ptr<adapters::dynamodb::DynamoDbClient> dynamodb, std::string table,
    std::string owner, const core::Clock& clock)
    : dynamodb_(std::move(dynamodb)),
      table_(std::move(table)),
      owner_(std::move(owner)),
      clock_(clock) {}

core::Result<std::optional<core::runner::Checkpoint>> DynamoDbCheckpointStore::load(
    const std::string& shard_id, core::Deadline deadline) {
  auto item = dynamodb_->get_item(
      table_, Item{{"id", string_value(core::runner::shard_checkpoint_id(shard_id))}}, true,
      deadline);
  if (!item) {
    return core::fail(std::move(item.error()));
  }
  const std::optional<Item>& found = *item;
  if (!found) {
    return std::optional<core::runner::Checkpoint>();
  }
  core::runner::Checkpoint checkpoint;
  if (const auto* sequence_number = core::dynamodb::string_attribute(*found, "sequence_number")) {
    checkpoint.sequence_number = *sequence_number;
  }
  const auto finished = core::dynamodb::bool_attribute(*found, "finished");
  if (!finished) {
    return core::fail(unexpected_item("checkpoint of shard " + shard_id + " has no 'finished'"));
  }
  checkpoint.finished = *finished;
  return std::optional<core::runner::Checkpoint>(std::move(checkpoint));
}

core::Status DynamoDbCheckpointStore::save(const std::string& shard_id,
                                           const core::runner::Checkpoint& checkpoint,
                                           core::Deadline deadline) {
  Item item{{"id", string_value(core::runner::shard_checkpoint_id(shard_id))},
            {"shard_id", string_value(shard_id)},
            {"finished", bool_value(checkpoint.finished)},
            {"owner", string_value(owner_)},
            {"updated_at", string_value(core::encoding::rfc3339_utc(clock_.wall_now()))}};
  if (checkpoint.sequence_number) {
    item.emplace("sequence_number", string_value(*checkpoint.sequence_number));
  }
  auto written = dynamodb_->put_item(
      adapters::dynamodb::PutItemRequest{.table_name = table_, .item = std::move(item)}, deadline);
  if (!written) {
    return core::fail(std::move(written.error()));
  }
  return {};
}

DynamoDbLeaseStore::DynamoDbLeaseStore(std::shared_ptr<adapters::dynamodb::DynamoDbClient> dynamodb,
                                       std::string table, std::string events_table)
    : dynamodb_(std::move(dynamodb)),
      table_(std::move(table)),
      events_table_(std::move(events_table)) {}

core::Result<bool> DynamoDbLeaseStore::try_acquire(const std::string& owner,
                                                   std::chrono::system_clock::time_point expires_at,
                                                   std::chrono::system_clock::time_point now,
                                                   core::Deadline deadline) {
  auto written = dynamodb_->put_item(
      adapters::dynamodb::PutItemRequest{
          .table_name = table_,
          .item = Item{{"id", string_value(std::string(core::runner::kLeaseId))},
                       {"owner", string_value(owner)},
                       {"expires_at_ms", integer_value(epoch_milliseconds(expires_at))},
                       {"events_table", string_value(events_table_)},
                       {"updated_at", string_value(core::encoding::rfc3339_utc(now))}},
          .condition_expression = "attribute_not_exists(#id) OR #expires < :now OR #owner = :owner",
          .expression_attribute_names = {{"#id", "id"},
                                         {"#expires", "expires_at_ms"},
                                         {"#owner", "owner"}},
          .expression_attribute_values = {{":now", integer_value(epoch_milliseconds(now))},
                                          {":owner", string_value(owner)}}},
      deadline);
  if (!written) {
    return core::fail(std::move(written.error()));
  }
  return *written == ConditionOutcome::kApplied;
}

core::Result<std::optional<core::runner::LeaseRecord>> DynamoDbLeaseStore::read(
    core::Deadline deadline) {
  auto item = dynamodb_->get_item(
      table_, Item{{"id", string_value(std::string(core::runner::kLeaseId))}}, true, deadline);
  if (!item) {
    return core::fail(std::move(item.error()));
  }
  const std::optional<Item>& found = *item;
  if (!found) {
    return std::optional<core::runner::LeaseRecord>();
  }
  const auto* owner = core::dynamodb::string_attribute(*found, "owner");
  const auto expires = core::dynamodb::integer_attribute(*found, "expires_at_ms");
  if (owner == nullptr || !expires) {
    return core::fail(unexpected_item("the lease item has no owner or expires_at_ms"));
  }
  return std::optional<core::runner::LeaseRecord>(core::runner::LeaseRecord{
      .owner = *owner,
      .expires_at = std::chrono::system_clock::time_point(std::chrono::milliseconds(*expires))});
}

core::Status DynamoDbLeaseStore::release(const std::string& owner, core::Deadline deadline) {
  auto written = dynamodb_->update_item(
      adapters::dynamodb::UpdateItemRequest{
          .table_name = table_,
          .key = Item{{"id", string_value(std::string(core::runner::kLeaseId))}},
          .update_expression = "SET #expires = :zero",
          .condition_expression = "#owner = :owner",
          .expression_attribute_names = {{"#expires", "expires_at_ms"}, {"#owner", "owner"}},
          .expression_attribute_values = {{":zero", integer_value(0)},
                                          {":owner", string_value(owner)}}},
      deadline);
  if (!written) {
    return core::fail(std::move(written.error()));
  }
  return {};  // kConditionFailed: another runner holds it; nothing of ours to release
}

}  // namespace dispatcher::app::runner
