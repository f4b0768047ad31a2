#include "core/dispatch/stream_event_parser.h"

#include <optional>

#include <nlohmann/json.hpp>

#include "core/dispatch/sequence_number.h"
#include "core/dynamodb/attribute_value.h"
#include "core/dynamodb/json_codec.h"
#include "core/dynamodb/json_text_decoder.h"

namespace dispatcher::core::dispatch {
namespace {

Error invalid_event(std::string message) {
  return permanent_error("InvalidStreamEvent", std::move(message));
}

std::string record_name(std::size_t index) { return "Records[" + std::to_string(index) + "]"; }

/// What one record adds to the batch, once its members are read: a StreamRecord or a warning.
/// `event_name`: nullopt when missing or not a string; `keys`: the decoded dynamodb.Keys, nullptr
/// when the member is missing; `keys_error`: why Keys is not DynamoDB JSON, when it is not.
void add_record(StreamBatch& batch, std::size_t index, const std::string& sequence,
                std::optional<std::string_view> event_name, const dynamodb::Item* keys,
                const Error* keys_error) {
  const auto skip = [&](std::string code, std::string why) {
    batch.warnings.push_back(Warning{.code = std::move(code),
                                     .sequence_number = sequence,
                                     .message = record_name(index) + " " + std::move(why)});
  };
  StreamEventName name = StreamEventName::kInsert;
  if (event_name == "INSERT") {
    name = StreamEventName::kInsert;
  } else if (event_name == "MODIFY") {
    name = StreamEventName::kModify;
  } else if (event_name == "REMOVE") {
    skip("RemoveRecordIgnored", "removes an item; removals are not dispatched");
    return;
  } else {
    skip("UnknownEventName", "has no eventName INSERT, MODIFY or REMOVE; ignored");
    return;
  }
  if (keys_error != nullptr) {
    skip("InvalidRecordKey",
         "has dynamodb.Keys that are not DynamoDB JSON (" + keys_error->message + "); ignored");
    return;
  }
  if (keys == nullptr) {
    skip("InvalidRecordKey", "has no dynamodb.Keys; ignored");
    return;
  }
  const std::string* aggregate_id = dynamodb::string_attribute(*keys, "id");
  if (aggregate_id == nullptr) {
    skip("RecordWithoutId", "has no string key attribute 'id'; ignored");
    return;
  }
  const std::optional<std::int64_t> version = dynamodb::integer_attribute(*keys, "version");
  if (!version.has_value()) {
    skip("RecordWithoutVersion", "has no integer key attribute 'version'; ignored");
    return;
  }
  batch.records.push_back(StreamRecord{.sequence_number = sequence,
                                       .aggregate_id = *aggregate_id,
                                       .version = *version,
                                       .event_name = name});
}

/// The clean case, read with simdjson (core/dynamodb/json_text_decoder.h); nullopt sends the text
/// to the nlohmann path, which names whatever is wrong.
std::optional<StreamBatch> fast_stream_batch(std::string_view event_json) {
  auto records = dynamodb::decode_stream_event_keys(event_json);
  if (!records) {
    return std::nullopt;
  }
  StreamBatch batch;
  batch.records.reserve(records->size());
  for (std::size_t index = 0; index < records->size(); ++index) {
    const dynamodb::StreamRecordKeys& record = (*records)[index];
    if (!is_sequence_number(record.sequence_number)) {
      return std::nullopt;
    }
    add_record(
        batch, index, record.sequence_number,
        record.event_name ? std::optional<std::string_view>(*record.event_name) : std::nullopt,
        record.keys ? &*record.keys : nullptr, nullptr);
  }
  return batch;
}

}  // namespace

Result<StreamBatch> parse_stream_event(std::string_view event_json) {
  if (auto batch = fast_stream_batch(event_json)) {
    return std::move(*batch);
  }
  const nlohmann::json event =
      nlohmann::json::parse(event_json, nullptr, /*allow_exceptions=*/false);
  if (event.is_discarded()) {
    return fail(invalid_event("the stream event is not JSON"));
  }
  return stream_batch_from_json(event);
}

Result<StreamBatch> stream_batch_from_json(const nlohmann::json& event) {
  if (!event.is_object()) {
    return fail(invalid_event("the stream event is not a JSON object"));
  }
  const auto records = event.find("Records");
  if (records == event.end() || !records->is_array()) {
    return fail(invalid_event("the stream event has no Records array"));
  }

  StreamBatch batch;
  batch.records.reserve(records->size());
  for (std::size_t index = 0; index < records->size(); ++index) {
    const nlohmann::json& record = (*records)[index];
    if (!record.is_object()) {
      return fail(invalid_event(record_name(index) + " is not an object"));
    }
    const auto stream_data = record.find("dynamodb");
    if (stream_data == record.end() || !stream_data->is_object()) {
      return fail(invalid_event(record_name(index) + " has no dynamodb object"));
    }
    const auto sequence_number = stream_data->find("SequenceNumber");
    if (sequence_number == stream_data->end() || !sequence_number->is_string() ||
        !is_sequence_number(sequence_number->get_ref<const std::string&>())) {
      return fail(
          invalid_event(record_name(index) + " has no dynamodb.SequenceNumber of decimal digits"));
    }
    const auto& sequence = sequence_number->get_ref<const std::string&>();
    const auto event_name = record.find("eventName");
    std::optional<std::string_view> name;
    if (event_name != record.end() && event_name->is_string()) {
      name = event_name->get_ref<const std::string&>();
    }
    const auto keys_json = stream_data->find("Keys");
    if (keys_json == stream_data->end()) {
      add_record(batch, index, sequence, name, nullptr, nullptr);
      continue;
    }
    auto keys = dynamodb::item_from_json(*keys_json);
    add_record(batch, index, sequence, name, keys ? &*keys : nullptr,
               keys ? nullptr : &keys.error());
  }
  return batch;
}

}  // namespace dispatcher::core::dispatch
