#include "core/dynamodb/json_text_decoder.h"

#include <algorithm>
#include <utility>

#include <simdjson.h>

#include "core/dynamodb/json_value_decoder.h"

namespace dispatcher::core::dynamodb {
namespace {

/// The text, readable with simdjson's padding: in place when `text` is a std::string with spare
/// capacity, else copied once.
class PaddedText {
 public:
  explicit PaddedText(const std::string& text) {
    if (text.capacity() - text.size() >= simdjson::SIMDJSON_PADDING) {
      view_ = simdjson::padded_string_view(text.data(), text.size(), text.capacity());
    } else {
      copy_ = simdjson::padded_string(text);
      view_ = copy_;
    }
  }
  explicit PaddedText(std::string_view text) : copy_(text), view_(copy_) {}
  [[nodiscard]] simdjson::padded_string_view view() const { return view_; }

 private:
  simdjson::padded_string copy_;
  simdjson::padded_string_view view_;
};

/// One parser per thread: it keeps its buffers between documents.
ondemand::parser& parser() {
  thread_local ondemand::parser instance;
  return instance;
}

/// Whether the whole text is well-formed JSON. On-Demand validates only what it reads: a member
/// it skips (a stream record's NewImage, a page's ScannedCount) could be malformed and the text
/// still decoded, where the nlohmann path refuses it. simdjson's DOM pass validates all of it.
bool well_formed(simdjson::padded_string_view text) {
  thread_local simdjson::dom::parser validator;
  simdjson::dom::element root;
  return validator.parse(text.data(), text.size(), false).get(root) == simdjson::SUCCESS;
}

/// Whether nothing follows the root value (the nlohmann path refuses trailing text).
bool at_end(ondemand::document& document) {
  const char* location = nullptr;
  return document.current_location().get(location) == simdjson::OUT_OF_BOUNDS;
}

/// Runs `read` over the members of the root object; false unless the text is one object.
template <typename Read>
bool read_root_object(simdjson::padded_string_view text, Read read) {
  ondemand::document document;
  if (!well_formed(text) || parser().iterate(text).get(document) != simdjson::SUCCESS) {
    return false;
  }
  ondemand::object root;
  if (document.get_object().get(root) != simdjson::SUCCESS) {
    return false;
  }
  for (auto field_result : root) {
    ondemand::field field;
    std::string_view name;
    if (std::move(field_result).get(field) != simdjson::SUCCESS ||
        field.unescaped_key().get(name) != simdjson::SUCCESS || !read(name, field.value())) {
      return false;
    }
  }
  return at_end(document);
}

}  // namespace

std::optional<QueryOutput> decode_query_output(const std::string& body) {
  const PaddedText text(body);
  QueryOutput output;
  bool has_items = false;
  const bool clean =
      read_root_object(text.view(), [&](std::string_view name, ondemand::value value) {
        if (name == "Items") {
          has_items = true;
          output.items.clear();
          return decode_items(value, output.items);
        }
        if (name == "LastEvaluatedKey") {
          return decode_optional_item(value, output.last_evaluated_key);
        }
        return true;
      });
  if (!clean || !has_items) {
    return std::nullopt;
  }
  return output;
}

std::optional<BatchGetOutput> decode_batch_get_output(const std::string& body,
                                                      std::string_view table) {
  const PaddedText text(body);
  BatchGetOutput output;
  const bool clean =
      read_root_object(text.view(), [&](std::string_view name, ondemand::value value) {
        if (name != "Responses" && name != "UnprocessedKeys") {
          return true;
        }
        bool is_null = false;
        if (value.is_null().get(is_null) != simdjson::SUCCESS) {
          return false;
        }
        if (is_null) {
          return name == "UnprocessedKeys";  // the nlohmann path refuses a null Responses
        }
        ondemand::object tables;
        if (value.get_object().get(tables) != simdjson::SUCCESS) {
          return false;
        }
        for (auto field_result : tables) {
          ondemand::field field;
          std::string_view table_name;
          if (std::move(field_result).get(field) != simdjson::SUCCESS ||
              field.unescaped_key().get(table_name) != simdjson::SUCCESS) {
            return false;
          }
          if (table_name != table) {
            continue;
          }
          if (name == "Responses") {
            output.responses.clear();
            if (!decode_items(field.value(), output.responses)) {
              return false;
            }
            continue;
          }
          ondemand::object unprocessed;
          if (field.value().get_object().get(unprocessed) != simdjson::SUCCESS) {
            return false;
          }
          for (auto member_result : unprocessed) {
            ondemand::field member;
            std::string_view member_name;
            if (std::move(member_result).get(member) != simdjson::SUCCESS ||
                member.unescaped_key().get(member_name) != simdjson::SUCCESS) {
              return false;
            }
            if (member_name == "Keys") {
              output.unprocessed_keys.clear();
              if (!decode_items(member.value(), output.unprocessed_keys)) {
                return false;
              }
            }
          }
        }
        return true;
      });
  if (!clean) {
    return std::nullopt;
  }
  return output;
}

std::optional<Item> decode_item_text(std::string_view text) {
  const PaddedText padded(text);
  ondemand::document document;
  if (!well_formed(padded.view()) ||
      parser().iterate(padded.view()).get(document) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  ondemand::object object;
  Item item;
  if (document.get_object().get(object) != simdjson::SUCCESS || !decode_map(object, item) ||
      !at_end(document)) {
    return std::nullopt;
  }
  return item;
}

std::optional<std::vector<StreamRecordKeys>> decode_stream_event_keys(std::string_view text) {
  const PaddedText padded(text);
  std::vector<StreamRecordKeys> records;
  bool has_records = false;
  const bool clean =
      read_root_object(padded.view(), [&](std::string_view name, ondemand::value value) {
        if (name != "Records") {
          return true;
        }
        has_records = true;
        records.clear();
        ondemand::array array;
        if (value.get_array().get(array) != simdjson::SUCCESS) {
          return false;
        }
        for (auto record_result : array) {
          ondemand::value record_value;
          ondemand::object record;
          if (std::move(record_result).get(record_value) != simdjson::SUCCESS ||
              record_value.get_object().get(record) != simdjson::SUCCESS) {
            return false;
          }
          StreamRecordKeys keys;
          bool has_stream_data = false;
          bool has_sequence_number = false;
          for (auto field_result : record) {
            ondemand::field field;
            std::string_view field_name;
            if (std::move(field_result).get(field) != simdjson::SUCCESS ||
                field.unescaped_key().get(field_name) != simdjson::SUCCESS) {
              return false;
            }
            if (field_name == "eventName") {
              // Only a string can be INSERT, MODIFY or REMOVE; anything else is an unknown name.
              std::string_view event_name;
              if (field.value().get_string().get(event_name) != simdjson::SUCCESS) {
                return false;  // rare: the nlohmann path judges it
              }
              keys.event_name = std::string(event_name);
              continue;
            }
            if (field_name != "dynamodb") {
              continue;
            }
            has_stream_data = true;  // a repeated member replaces the earlier one, as in nlohmann
            has_sequence_number = false;
            keys.sequence_number.clear();
            keys.keys.reset();
            ondemand::object stream_data;
            if (field.value().get_object().get(stream_data) != simdjson::SUCCESS) {
              return false;
            }
            for (auto member_result : stream_data) {
              ondemand::field member;
              std::string_view member_name;
              if (std::move(member_result).get(member) != simdjson::SUCCESS ||
                  member.unescaped_key().get(member_name) != simdjson::SUCCESS) {
                return false;
              }
              if (member_name == "SequenceNumber") {
                has_sequence_number = true;
                if (!read_string(member.value(), keys.sequence_number)) {
                  return false;
                }
              } else if (member_name == "Keys") {
                Item item;
                if (!decode_map_value(member.value(), item)) {
                  return false;
                }
                keys.keys = std::move(item);
              }
            }
          }
          if (!has_stream_data || !has_sequence_number) {
            return false;
          }
          records.push_back(std::move(keys));
        }
        return true;
      });
  if (!clean || !has_records) {
    return std::nullopt;
  }
  return records;
}

}  // namespace dispatcher::core::dynamodb
