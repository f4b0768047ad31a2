#include "core/redrive/on_failure_record.h"

#include <array>
#include <limits>

#include <nlohmann/json.hpp>

#include "core/dispatch/sequence_number.h"

namespace dispatcher::core::redrive {
namespace {

using nlohmann::json;

Error invalid(const std::string& what) {
  return permanent_error("InvalidOnFailureRecord", "on-failure record: " + what);
}

/// The member `name` of `object` when it is a string; an error naming `path` otherwise.
Result<std::string> required_string(const json& object, const char* name, const std::string& path,
                                    bool allow_empty = true) {
  const auto found = object.find(name);
  if (found == object.end()) {
    return fail(invalid(path + "." + name + " is missing"));
  }
  if (!found->is_string()) {
    return fail(invalid(path + "." + name + " is not a string"));
  }
  auto value = found->get<std::string>();
  if (!allow_empty && value.empty()) {
    return fail(invalid(path + "." + name + " is empty"));
  }
  return value;
}

/// The member when present and a string, "" when absent; an error when it has another type.
Result<std::string> optional_string(const json& object, const char* name, const std::string& path) {
  const auto found = object.find(name);
  if (found == object.end() || found->is_null()) {
    return std::string();
  }
  if (!found->is_string()) {
    return fail(invalid(path + "." + name + " is not a string"));
  }
  return found->get<std::string>();
}

Result<std::int64_t> integer(const json& value, const std::string& path) {
  if (value.is_number_unsigned()) {
    const auto number = value.get<std::uint64_t>();
    if (number > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return fail(invalid(path + " is out of range"));
    }
    return static_cast<std::int64_t>(number);
  }
  if (value.is_number_integer()) {
    return value.get<std::int64_t>();
  }
  return fail(invalid(path + " is not an integer"));
}

Result<const json*> required_object(const json& document, const char* name) {
  const auto found = document.find(name);
  if (found == document.end()) {
    return fail(invalid(std::string(name) + " is missing"));
  }
  if (!found->is_object()) {
    return fail(invalid(std::string(name) + " is not an object"));
  }
  return &*found;
}

Status read_request_context(const json& document, OnFailureRecord& record) {
  auto context = required_object(document, "requestContext");
  if (!context) {
    return fail(std::move(context.error()));
  }
  const json& object = **context;
  auto condition = required_string(object, "condition", "requestContext", false);
  if (!condition) {
    return fail(std::move(condition.error()));
  }
  record.condition = std::move(*condition);
  const auto count = object.find("approximateInvokeCount");
  if (count == object.end()) {
    return fail(invalid("requestContext.approximateInvokeCount is missing"));
  }
  auto invoke_count = integer(*count, "requestContext.approximateInvokeCount");
  if (!invoke_count) {
    return fail(std::move(invoke_count.error()));
  }
  if (*invoke_count < 0) {
    return fail(invalid("requestContext.approximateInvokeCount is negative"));
  }
  record.approximate_invoke_count = *invoke_count;
  auto request_id = optional_string(object, "requestId", "requestContext");
  auto function_arn = optional_string(object, "functionArn", "requestContext");
  for (auto* part : {&request_id, &function_arn}) {
    if (!*part) {
      return fail(std::move(part->error()));
    }
  }
  record.request_id = std::move(*request_id);
  record.function_arn = std::move(*function_arn);
  return {};
}

Status read_response_context(const json& document, OnFailureRecord& record) {
  auto context = required_object(document, "responseContext");
  if (!context) {
    return fail(std::move(context.error()));
  }
  const json& object = **context;
  if (const auto status = object.find("statusCode"); status != object.end() && !status->is_null()) {
    auto code = integer(*status, "responseContext.statusCode");
    if (!code) {
      return fail(std::move(code.error()));
    }
    record.status_code = *code;
  }
  auto executed = optional_string(object, "executedVersion", "responseContext");
  auto function_error = optional_string(object, "functionError", "responseContext");
  for (auto* part : {&executed, &function_error}) {
    if (!*part) {
      return fail(std::move(part->error()));
    }
  }
  record.executed_version = std::move(*executed);
  record.function_error = std::move(*function_error);
  return {};
}

Status read_batch_info(const json& document, OnFailureRecord& record) {
  if (!document.contains("DDBStreamBatchInfo") && document.contains("KinesisBatchInfo")) {
    return fail(invalid("it is a Kinesis record (KinesisBatchInfo), not a DynamoDB stream one"));
  }
  auto info = required_object(document, "DDBStreamBatchInfo");
  if (!info) {
    return fail(std::move(info.error()));
  }
  const json& object = **info;
  const std::string path = "DDBStreamBatchInfo";
  StreamBatchInfo& batch = record.batch;
  auto shard = required_string(object, "shardId", path, false);
  auto start = required_string(object, "startSequenceNumber", path, false);
  auto end = required_string(object, "endSequenceNumber", path, false);
  auto arn = required_string(object, "streamArn", path, false);
  auto first = optional_string(object, "approximateArrivalOfFirstRecord", path);
  auto last = optional_string(object, "approximateArrivalOfLastRecord", path);
  for (auto* part : {&shard, &start, &end, &arn, &first, &last}) {
    if (!*part) {
      return fail(std::move(part->error()));
    }
  }
  if (!dispatch::is_sequence_number(*start)) {
    return fail(invalid(path + ".startSequenceNumber '" + start->substr(0, 64) +
                        "' is not a sequence number (decimal digits)"));
  }
  if (!dispatch::is_sequence_number(*end)) {
    return fail(invalid(path + ".endSequenceNumber '" + end->substr(0, 64) +
                        "' is not a sequence number (decimal digits)"));
  }
  if (dispatch::compare_sequence_numbers(*start, *end) > 0) {
    return fail(
        invalid(path + ".startSequenceNumber " + *start + " is after endSequenceNumber " + *end));
  }
  if (!stream_table_name(*arn)) {
    return fail(
        invalid(path + ".streamArn '" + arn->substr(0, 200) + "' is not a DynamoDB stream ARN"));
  }
  const auto size = object.find("batchSize");
  if (size == object.end()) {
    return fail(invalid(path + ".batchSize is missing"));
  }
  auto batch_size = integer(*size, path + ".batchSize");
  if (!batch_size) {
    return fail(std::move(batch_size.error()));
  }
  if (*batch_size < 1) {
    return fail(invalid(path + ".batchSize is " + std::to_string(*batch_size) +
                        "; a given-up batch has at least one record"));
  }
  batch = StreamBatchInfo{.shard_id = std::move(*shard),
                          .start_sequence_number = std::move(*start),
                          .end_sequence_number = std::move(*end),
                          .stream_arn = std::move(*arn),
                          .approximate_arrival_of_first_record = std::move(*first),
                          .approximate_arrival_of_last_record = std::move(*last),
                          .batch_size = *batch_size};
  return {};
}

}  // namespace

Result<OnFailureRecord> parse_on_failure_record(std::string_view body) {
  const json document = json::parse(body, nullptr, false);
  if (document.is_discarded()) {
    return fail(invalid("not JSON"));
  }
  if (!document.is_object()) {
    return fail(invalid("not a JSON object"));
  }
  OnFailureRecord record;
  auto version = optional_string(document, "version", "record");
  auto timestamp = optional_string(document, "timestamp", "record");
  for (auto* part : {&version, &timestamp}) {
    if (!*part) {
      return fail(std::move(part->error()));
    }
  }
  record.version = std::move(*version);
  record.timestamp = std::move(*timestamp);
  for (auto reader : {read_batch_info, read_request_context, read_response_context}) {
    if (auto read = reader(document, record); !read) {
      return fail(std::move(read.error()));
    }
  }
  return record;
}

std::optional<std::string> stream_table_name(std::string_view stream_arn) {
  // arn:<partition>:dynamodb:<region>:<account>:table/<name>/stream/<label>
  constexpr std::string_view kPrefix = "arn:";
  if (!stream_arn.starts_with(kPrefix)) {
    return std::nullopt;
  }
  std::size_t position = 0;
  std::array<std::string_view, 6> fields{};
  for (std::size_t index = 0; index < 5; ++index) {
    const auto colon = stream_arn.find(':', position);
    if (colon == std::string_view::npos) {
      return std::nullopt;
    }
    fields.at(index) = stream_arn.substr(position, colon - position);
    position = colon + 1;
  }
  fields[5] = stream_arn.substr(position);
  if (fields[1].empty() || fields[2] != "dynamodb") {
    return std::nullopt;
  }
  std::string_view resource = fields[5];
  constexpr std::string_view kTable = "table/";
  if (!resource.starts_with(kTable)) {
    return std::nullopt;
  }
  resource.remove_prefix(kTable.size());
  const auto stream = resource.find("/stream/");
  if (stream == std::string_view::npos || stream == 0 ||
      stream + std::string_view("/stream/").size() >= resource.size()) {
    return std::nullopt;
  }
  return std::string(resource.substr(0, stream));
}

}  // namespace dispatcher::core::redrive
