#include "app/operator/audit_store_reads.h"

#include <algorithm>
#include <functional>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/operator/command_support.h"
#include "core/dynamodb/json_codec.h"
#include "core/runner/state_keys.h"

namespace dispatcher::app::operator_tools {
namespace {

namespace ops = core::operator_tools;
using core::dynamodb::Item;

/// Reads every item of `table` (parallel Scan, consistent, `projection` over `names`), handing
/// each to `on_item`; pages are decoded and dropped one wave at a time.
core::Status scan_table(OperatorContext& context, const std::string& table,
                        const std::string& projection, const nlohmann::json& names,
                        std::size_t segments, std::optional<std::int64_t> page_size,
                        const std::function<void(const Item&)>& on_item) {
  std::vector<std::optional<nlohmann::json>> start_keys(segments);
  std::vector<bool> done(segments, false);
  while (std::ranges::find(done, false) != done.end()) {
    std::vector<adapters::aws::JsonCall> calls;
    std::vector<std::size_t> asked;
    for (std::size_t segment = 0; segment < segments; ++segment) {
      if (done[segment]) {
        continue;
      }
      nlohmann::json input = {{"TableName", table}, {"ConsistentRead", true}};
      if (!projection.empty()) {
        input["ProjectionExpression"] = projection;
        input["ExpressionAttributeNames"] = names;
      }
      if (segments > 1) {
        input["Segment"] = segment;
        input["TotalSegments"] = segments;
      }
      if (page_size) {
        input["Limit"] = *page_size;
      }
      if (const auto& start_key = start_keys[segment]) {
        input["ExclusiveStartKey"] = *start_key;
      }
      calls.push_back(adapters::aws::JsonCall{.operation = "Scan", .input = std::move(input)});
      asked.push_back(segment);
    }
    auto responses = context.dynamodb_json().call_all(calls, context.deadline_in(kCommandTime));
    for (std::size_t i = 0; i < responses.size(); ++i) {
      if (!responses[i]) {
        return core::fail(std::move(responses[i].error()));
      }
      auto& output = responses[i]->output;
      if (output.contains("Items") && output["Items"].is_array()) {
        for (const auto& entry : output["Items"]) {
          auto item = core::dynamodb::item_from_json(entry);
          if (!item) {
            return core::fail(std::move(item.error()));
          }
          on_item(*item);
        }
      }
      if (output.contains("LastEvaluatedKey") && output["LastEvaluatedKey"].is_object()) {
        start_keys[asked[i]] = std::move(output["LastEvaluatedKey"]);
      } else {
        done[asked[i]] = true;
      }
    }
  }
  return {};
}

}  // namespace

/// Offsets: one aggregate's item, or every item of the offsets table.
core::Status read_offsets(OperatorContext& context, const std::optional<std::string>& only,
                          std::size_t segments, std::optional<std::int64_t> page_size,
                          ops::AuditLedger& ledger) {
  const auto record = [&ledger](const std::string& id, const std::optional<Item>& item) {
    const auto offset = ops::read_offset_record(item);
    if (offset.problem) {
      ledger.record_offset(id, std::nullopt);
    } else if (offset.state.version) {
      ledger.record_offset(id, offset.state.version);
    }
  };
  if (only) {
    auto item = context.offset_item(*only, context.deadline_in(kCommandTime));
    if (!item) {
      return core::fail(std::move(item.error()));
    }
    if (*item) {
      record(*only, *item);
    }
    return {};
  }
  return scan_table(context, context.settings().offsets_table_name, "", nullptr, segments,
                    page_size, [&record](const Item& item) {
                      const std::string* id = core::dynamodb::string_attribute(item, "id");
                      if (id != nullptr && !core::runner::is_reserved_id(*id)) {
                        record(*id, item);
                      }
                    });
}

/// Events: one aggregate's versions (Query), or every item's (Scan, keys only).
core::Status read_store(OperatorContext& context, const std::optional<std::string>& only,
                        std::size_t segments, std::optional<std::int64_t> page_size,
                        ops::AuditLedger& ledger, AuditProgress& progress) {
  std::uint64_t items = 0;
  const auto record = [&](const Item& item) {
    const std::string* id = core::dynamodb::string_attribute(item, "id");
    const auto version = core::dynamodb::integer_attribute(item, "version");
    ++items;
    if (id != nullptr && version && !core::runner::is_reserved_id(*id)) {
      ledger.record_store_version(*id, *version);
    }
    progress.maybe(
        [&items] { return "audit: events table: scanned " + std::to_string(items) + " items"; });
  };
  if (!only) {
    return scan_table(context, context.settings().events_table_name, "#id, #version",
                      {{"#id", "id"}, {"#version", "version"}}, segments, page_size, record);
  }
  adapters::dynamodb::QueryRequest request{
      .table_name = context.settings().events_table_name,
      .key_condition_expression = "#id = :id",
      .expression_attribute_names = {{"#id", "id"}, {"#version", "version"}},
      .expression_attribute_values = {{":id", core::dynamodb::string_value(*only)}},
      .projection_expression = "#id, #version",
      .consistent_read = true};
  while (true) {
    auto page = context.dynamodb().query(request, context.deadline_in(kCommandTime));
    if (!page) {
      return core::fail(std::move(page.error()));
    }
    for (const auto& item : page->items) {
      record(item);
    }
    if (!page->last_evaluated_key) {
      return {};
    }
    request.exclusive_start_key = std::move(page->last_evaluated_key);
  }
}

}  // namespace dispatcher::app::operator_tools
