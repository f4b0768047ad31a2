#include "app/operator/offset_move.h"

#include <ostream>
#include <utility>

#include "app/operator/command_support.h"
#include "core/dispatch/offset_item.h"

namespace dispatcher::app::operator_tools {

using core::dynamodb::integer_value;
using core::dynamodb::string_value;

adapters::dynamodb::UpdateItemRequest offset_move_request(const OperatorContext& context,
                                                          const OffsetMove& move) {
  const std::string at_name = "#" + std::string(move.stamp) + "_at";
  const std::string by_name = "#" + std::string(move.stamp) + "_by";
  std::string update = "SET #version = :version, " + at_name + " = :at, " + by_name + " = :by";
  adapters::dynamodb::UpdateItemRequest request{
      .table_name = context.settings().offsets_table_name,
      .key = core::dynamodb::Item{{"id", string_value(move.aggregate_id)}},
      .update_expression = {},
      .condition_expression = std::nullopt,
      .expression_attribute_names = {},
      .expression_attribute_values = {{":version", integer_value(move.new_offset)},
                                      {":at", string_value(move.at)},
                                      {":by", string_value(move.by)}}};
  // The names every write of the offsets item uses: the offset, and the hold attributes it clears.
  for (const auto& [placeholder, name] : core::dispatch::offset_expression::kNames) {
    request.expression_attribute_names.emplace(placeholder, name);
  }
  request.expression_attribute_names.emplace(at_name, at_name.substr(1));
  request.expression_attribute_names.emplace(by_name, by_name.substr(1));
  if (move.release_id) {
    update += ", #release_id = :release_id";
    request.expression_attribute_names.emplace("#release_id", std::string(kReleaseIdAttribute));
    request.expression_attribute_values[":release_id"] = string_value(*move.release_id);
  }
  request.update_expression =
      update + " " + std::string(core::dispatch::offset_expression::kRemoveHold);
  return request;
}

void condition_on_offset(adapters::dynamodb::UpdateItemRequest& request,
                         std::optional<std::int64_t> expected) {
  if (expected) {
    request.condition_expression = "#version = :read";
    request.expression_attribute_values[":read"] = integer_value(*expected);
  } else {
    request.condition_expression = "attribute_not_exists(#version)";
  }
}

core::Result<MoveOutcome> apply_offset_move(OperatorContext& context, Console& console,
                                            const OffsetMove& move,
                                            const adapters::dynamodb::UpdateItemRequest& request,
                                            nlohmann::json audit_fields, bool retry_lost_answer) {
  auto written = context.dynamodb().update_item(request, context.deadline_in(kCommandTime));
  if (!written && retry_lost_answer && written.error().retryable()) {
    // The answer may be lost while the write happened: the same write again, recognised by the
    // caller when its condition fails.
    console.err << move.action << ": " << written.error().describe() << "; trying the same "
                << move.action << " again\n";
    written = context.dynamodb().update_item(request, context.deadline_in(kCommandTime));
  }
  if (!written) {
    return core::fail(std::move(written.error()));
  }
  MoveOutcome outcome;
  if (*written != adapters::dynamodb::ConditionOutcome::kApplied) {
    return outcome;
  }
  outcome.applied = true;
  outcome.trigger = trigger_for(move.action, context);
  audit_fields["action"] = move.action;
  audit_fields["aggregate"] = move.aggregate_id;
  audit_fields["to_offset"] = move.new_offset;
  audit_fields["by"] = move.by;
  audit_fields["at"] = move.at;
  audit_fields["trigger"] = outcome.trigger;
  log_audit_line(console, std::move(audit_fields));
  outcome.rung = ring(context, move.aggregate_id, outcome.trigger);
  return outcome;
}

}  // namespace dispatcher::app::operator_tools
