#include "core/dynamodb/json_value_decoder.h"

#include <algorithm>
#include <utility>

#include "core/encoding/base64.h"

namespace dispatcher::core::dynamodb {
namespace {

/// DynamoDB nests M and L at most 32 levels deep, and json_codec refuses deeper ones; `depth` is
/// the steps from the item to the value being read, so deeper text is declined and gets that error.
constexpr std::size_t kMaxNestingDepth = 32;

bool decode_value(ondemand::value value, AttributeValue& out, std::size_t depth);

}  // namespace

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
bool decode_map(ondemand::object object, AttributeMap& out, std::size_t depth) {
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

bool decode_map_value(ondemand::value value, AttributeMap& out, std::size_t depth) {
  ondemand::object object;
  return value.get_object().get(object) == simdjson::SUCCESS && decode_map(object, out, depth);
}

namespace {

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

}  // namespace

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

}  // namespace dispatcher::core::dynamodb
