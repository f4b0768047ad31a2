#include "core/dynamodb/json_text_decoder.h"

#include <algorithm>
#include <utility>

#include <simdjson.h>

#include "core/encoding/base64.h"

namespace dispatcher::core::dynamodb {
namespace {

namespace ondemand = simdjson::ondemand;

// Every function below returns false (or nullopt) as soon as the text is not the clean case; the
// caller then decodes it with json_codec, which names the problem. Nothing here builds an error.

/// DynamoDB nests M and L at most 32 levels deep, and json_codec refuses deeper ones; `depth` is
/// the steps from the item to the value being read, so deeper text is declined and gets that error.
constexpr std::size_t kMaxNestingDepth = 32;

bool decode_value(ondemand::value value, AttributeValue& out, std::size_t depth);

bool read_string(ondemand::value value, std::string& out) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) {
    return false;
  }
  out.assign(text);
  return true;
}

/// A map of attribute name to value (an item, or the payload of "M"). Later duplicates win, as in
/// the nlohmann path, whose objects keep the last value of a repeated name.
bool decode_map(ondemand::object object, AttributeMap& out, std::size_t depth = 0) {
  for (auto field_result : object) {
    ondemand::field field;
    if (std::move(field_result).get(field) != simdjson::SUCCESS) {
      return false;
    }
    std::string_view name;
    if (field.unescaped_key().get(name) != simdjson::SUCCESS) {
      return false;
    }
    AttributeValue value;
    if (!decode_value(field.value(), value, depth + 1)) {
      return false;
    }
    out.insert_or_assign(std::string(name), std::move(value));
  }
  return true;
}

bool decode_map_value(ondemand::value value, AttributeMap& out, std::size_t depth = 0) {
  ondemand::object object;
  return value.get_object().get(object) == simdjson::SUCCESS && decode_map(object, out, depth);
}

/// SS, NS, BS: a non-empty array of strings without duplicates (NS: valid numbers; BS: base64).
template <typename Convert>
bool decode_set(ondemand::value value, std::vector<std::string>& out, Convert convert) {
  ondemand::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS) {
    return false;
  }
  for (auto element_result : array) {
    ondemand::value element;
    std::string_view text;
    if (std::move(element_result).get(element) != simdjson::SUCCESS ||
        element.get_string().get(text) != simdjson::SUCCESS) {
      return false;
    }
    std::string converted;
    if (!convert(text, converted)) {
      return false;
    }
    out.push_back(std::move(converted));
  }
  if (out.empty()) {
    return false;
  }
  std::vector<std::string_view> sorted(out.begin(), out.end());
  std::ranges::sort(sorted);
  return std::ranges::adjacent_find(sorted) == sorted.end();
}

bool decode_typed(std::string_view type, ondemand::value payload, AttributeValue& out,
                  std::size_t depth) {
  if ((type == "M" || type == "L") && depth > kMaxNestingDepth) {
    return false;
  }
  if (type == "S") {
    std::string text;
    if (!read_string(payload, text)) {
      return false;
    }
    out.value = std::move(text);
    return true;
  }
  if (type == "N") {
    std::string_view text;
    if (payload.get_string().get(text) != simdjson::SUCCESS || !check_number(text)) {
      return false;
    }
    out.value = Number{std::string(text)};
    return true;
  }
  if (type == "B") {
    std::string_view text;
    if (payload.get_string().get(text) != simdjson::SUCCESS) {
      return false;
    }
    Result<std::string> bytes = encoding::base64_decode(text);
    if (!bytes) {
      return false;
    }
    out.value = Binary{std::move(*bytes)};
    return true;
  }
  if (type == "M") {
    AttributeMap map;
    if (!decode_map_value(payload, map, depth)) {
      return false;
    }
    out.value = std::move(map);
    return true;
  }
  if (type == "BOOL" || type == "NULL") {
    bool flag = false;
    if (payload.get_bool().get(flag) != simdjson::SUCCESS) {
      return false;
    }
    if (type == "NULL") {
      if (!flag) {
        return false;
      }
      out.value = Null{};
    } else {
      out.value = flag;
    }
    return true;
  }
  if (type == "L") {
    ondemand::array array;
    if (payload.get_array().get(array) != simdjson::SUCCESS) {
      return false;
    }
    AttributeList list;
    for (auto element_result : array) {
      ondemand::value element;
      if (std::move(element_result).get(element) != simdjson::SUCCESS) {
        return false;
      }
      AttributeValue decoded;
      if (!decode_value(element, decoded, depth + 1)) {
        return false;
      }
      list.push_back(std::move(decoded));
    }
    out.value = std::move(list);
    return true;
  }
  const auto same = [](std::string_view text, std::string& converted) {
    converted.assign(text);
    return true;
  };
  if (type == "SS") {
    StringSet set;
    if (!decode_set(payload, set.values, same)) {
      return false;
    }
    out.value = std::move(set);
    return true;
  }
  if (type == "NS") {
    NumberSet set;
    const auto number = [](std::string_view text, std::string& converted) {
      if (!check_number(text)) {
        return false;
      }
      converted.assign(text);
      return true;
    };
    if (!decode_set(payload, set.values, number)) {
      return false;
    }
    out.value = std::move(set);
    return true;
  }
  if (type == "BS") {
    BinarySet set;
    const auto bytes = [](std::string_view text, std::string& converted) {
      Result<std::string> decoded = encoding::base64_decode(text);
      if (!decoded) {
        return false;
      }
      converted = std::move(*decoded);
      return true;
    };
    if (!decode_set(payload, set.values, bytes)) {
      return false;
    }
    out.value = std::move(set);
    return true;
  }
  return false;
}

/// One attribute value: an object with exactly one type key.
bool decode_value(ondemand::value value, AttributeValue& out, std::size_t depth) {
  ondemand::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    return false;
  }
  bool typed = false;
  for (auto field_result : object) {
    ondemand::field field;
    std::string_view type;
    if (typed || std::move(field_result).get(field) != simdjson::SUCCESS ||
        field.unescaped_key().get(type) != simdjson::SUCCESS) {
      return false;  // a second key (or a repeated one, which the nlohmann path would collapse)
    }
    if (!decode_typed(type, field.value(), out, depth)) {
      return false;
    }
    typed = true;
  }
  return typed;
}

bool decode_items(ondemand::value value, std::vector<Item>& out) {
  ondemand::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS) {
    return false;
  }
  for (auto element_result : array) {
    ondemand::value element;
    Item item;
    if (std::move(element_result).get(element) != simdjson::SUCCESS ||
        !decode_map_value(element, item)) {
      return false;
    }
    out.push_back(std::move(item));
  }
  return true;
}

/// An optional item member: absent or null is nullopt.
bool decode_optional_item(ondemand::value value, std::optional<Item>& out) {
  bool is_null = false;
  if (value.is_null().get(is_null) != simdjson::SUCCESS) {
    return false;
  }
  if (is_null) {
    out.reset();
    return true;
  }
  Item item;
  if (!decode_map_value(value, item)) {
    return false;
  }
  out = std::move(item);
  return true;
}

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
