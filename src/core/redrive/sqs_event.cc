#include "core/redrive/sqs_event.h"

#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>

namespace dispatcher::core::redrive {
namespace {

using nlohmann::json;

Error invalid(const std::string& what) {
  return permanent_error("InvalidSqsEvent", "SQS event: " + what);
}

std::optional<std::int64_t> whole_number(const json& attributes, const char* name) {
  const auto found = attributes.find(name);
  if (found == attributes.end()) {
    return std::nullopt;
  }
  if (found->is_number_integer()) {
    return found->get<std::int64_t>();
  }
  if (!found->is_string()) {
    return std::nullopt;
  }
  const auto& text = found->get_ref<const std::string&>();
  std::int64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || stop != end || text.empty()) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

Result<std::vector<SqsMessage>> parse_sqs_event(std::string_view event_json) {
  const json document = json::parse(event_json, nullptr, false);
  if (document.is_discarded()) {
    return fail(invalid("not JSON"));
  }
  if (!document.is_object() || !document.contains("Records") || !document["Records"].is_array()) {
    return fail(invalid("no Records array"));
  }
  std::vector<SqsMessage> messages;
  std::size_t index = 0;
  for (const auto& record : document["Records"]) {
    const std::string where = "Records[" + std::to_string(index++) + "]";
    if (!record.is_object()) {
      return fail(invalid(where + " is not an object"));
    }
    const auto id = record.find("messageId");
    if (id == record.end() || !id->is_string() || id->get_ref<const std::string&>().empty()) {
      return fail(invalid(where + " has no messageId"));
    }
    const auto body = record.find("body");
    if (body == record.end() || !body->is_string()) {
      return fail(invalid(where + " (" + id->get<std::string>() + ") has no string body"));
    }
    SqsMessage message{.message_id = id->get<std::string>(), .body = body->get<std::string>()};
    if (const auto attributes = record.find("attributes");
        attributes != record.end() && attributes->is_object()) {
      message.sent_timestamp_ms = whole_number(*attributes, "SentTimestamp");
      message.receive_count = whole_number(*attributes, "ApproximateReceiveCount").value_or(0);
    }
    if (const auto arn = record.find("eventSourceARN"); arn != record.end() && arn->is_string()) {
      message.event_source_arn = arn->get<std::string>();
    }
    messages.push_back(std::move(message));
  }
  return messages;
}

std::string sqs_batch_response(std::span<const std::string> failed_message_ids) {
  json failures = json::array();
  std::vector<std::string_view> listed;
  for (const auto& id : failed_message_ids) {
    if (std::ranges::find(listed, id) != listed.end()) {
      continue;
    }
    listed.emplace_back(id);
    failures.push_back({{"itemIdentifier", id}});
  }
  return json{{"batchItemFailures", std::move(failures)}}.dump();
}

}  // namespace dispatcher::core::redrive
