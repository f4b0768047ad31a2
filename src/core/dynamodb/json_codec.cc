#include "core/dynamodb/json_codec.h"

#include <algorithm>

#include "core/encoding/base64.h"

namespace dispatcher::core::dynamodb {
namespace {

using nlohmann::json;

/// One step of the path from the item to the value being decoded; lives on the stack, so the
/// happy path builds no strings.
struct PathStep {
  const PathStep* parent = nullptr;
  std::string_view name;  ///< map key or attribute name, when not an index
  std::size_t index = 0;  ///< list or set position
  bool is_index = false;
  std::size_t depth = 1;  ///< steps from the item (or the decoded value) to here, this one included
};

/// DynamoDB nests M and L values at most 32 levels deep; the decoder recurses once per level, so
/// the bound keeps input that DynamoDB would never produce from exhausting the stack.
constexpr std::size_t kMaxNestingDepth = 32;

std::size_t depth_of(const PathStep* path) { return path == nullptr ? 0 : path->depth; }

std::string render_path(const PathStep* step) {
  if (step == nullptr) {
    return "attribute value";
  }
  std::string prefix = step->parent == nullptr ? std::string() : render_path(step->parent);
  if (step->is_index) {
    return prefix + "[" + std::to_string(step->index) + "]";
  }
  if (!prefix.empty()) {
    prefix.push_back('.');
  }
  return prefix + std::string(step->name);
}

std::string_view json_kind(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "a number";
    case json::value_t::binary:
      return "binary";
    case json::value_t::discarded:
      break;
  }
  return "nothing";
}

Error invalid(const PathStep* path, std::string_view what) {
  return permanent_error("InvalidAttributeValue", render_path(path) + ": " + std::string(what));
}

Error wrong_shape(const PathStep* path, std::string_view expected, const json& found) {
  return invalid(path,
                 "expected " + std::string(expected) + ", found " + std::string(json_kind(found)));
}

Result<AttributeValue> decode(const json& value, const PathStep* path);

Result<std::vector<std::string>> decode_set(const json& members, const PathStep* path,
                                            std::string_view type_key) {
  const std::string expected = "{\"" + std::string(type_key) + "\": [<string>, ...]}";
  if (!members.is_array()) {
    return fail(wrong_shape(path, expected, members));
  }
  if (members.empty()) {
    return fail(invalid(path, "a set (" + std::string(type_key) + ") must not be empty"));
  }
  std::vector<std::string> values;
  values.reserve(members.size());
  for (std::size_t index = 0; index < members.size(); ++index) {
    const PathStep step{
        .parent = path, .index = index, .is_index = true, .depth = depth_of(path) + 1};
    const json& member = members[index];
    if (!member.is_string()) {
      return fail(wrong_shape(&step, "a string", member));
    }
    const auto& text = member.get_ref<const std::string&>();
    if (type_key == "NS") {
      if (const Status number = check_number(text); !number) {
        return fail(invalid(&step, "not a valid DynamoDB number"));
      }
      values.push_back(text);
    } else if (type_key == "BS") {
      Result<std::string> bytes = encoding::base64_decode(text);
      if (!bytes) {
        return fail(invalid(&step, bytes.error().message));
      }
      values.push_back(std::move(*bytes));
    } else {
      values.push_back(text);
    }
  }
  std::vector<std::string_view> sorted(values.begin(), values.end());
  std::ranges::sort(sorted);
  if (std::ranges::adjacent_find(sorted) != sorted.end()) {
    return fail(invalid(path, "a set (" + std::string(type_key) + ") must not hold duplicates"));
  }
  return values;
}

Result<AttributeMap> decode_map(const json& members, const PathStep* path) {
  AttributeMap map;
  for (const auto& [name, member] : members.items()) {
    const PathStep step{.parent = path, .name = name, .depth = depth_of(path) + 1};
    Result<AttributeValue> value = decode(member, &step);
    if (!value) {
      return fail(std::move(value.error()));
    }
    map.emplace_hint(map.end(), name, std::move(*value));
  }
  return map;
}

Result<AttributeValue> decode(const json& value, const PathStep* path) {
  if (!value.is_object() || value.size() != 1) {
    return fail(
        invalid(path,
                "expected an object with exactly one type key (S, N, B, BOOL, NULL, M, L, SS, NS, "
                "BS), found " +
                    (value.is_object() ? std::to_string(value.size()) + " keys"
                                       : std::string(json_kind(value)))));
  }
  const auto entry = value.begin();
  const std::string& key = entry.key();
  const json& payload = entry.value();
  if ((key == "M" || key == "L") && depth_of(path) > kMaxNestingDepth) {
    return fail(invalid(path, "nested deeper than 32 levels, DynamoDB's limit for M and L"));
  }
  if (key == "S") {
    if (!payload.is_string()) {
      return fail(wrong_shape(path, R"({"S": <string>})", payload));
    }
    return AttributeValue{payload.get<std::string>()};
  }
  if (key == "N") {
    if (!payload.is_string()) {
      return fail(wrong_shape(path, R"({"N": <decimal string>})", payload));
    }
    const auto& text = payload.get_ref<const std::string&>();
    if (const Status number = check_number(text); !number) {
      return fail(invalid(path, "{\"N\": ...} is not a valid DynamoDB number"));
    }
    return AttributeValue{Number{text}};
  }
  if (key == "B") {
    if (!payload.is_string()) {
      return fail(wrong_shape(path, R"({"B": <base64 string>})", payload));
    }
    Result<std::string> bytes = encoding::base64_decode(payload.get_ref<const std::string&>());
    if (!bytes) {
      return fail(invalid(path, "{\"B\": ...}: " + bytes.error().message));
    }
    return AttributeValue{Binary{std::move(*bytes)}};
  }
  if (key == "BOOL") {
    if (!payload.is_boolean()) {
      return fail(wrong_shape(path, R"({"BOOL": true|false})", payload));
    }
    return AttributeValue{payload.get<bool>()};
  }
  if (key == "NULL") {
    if (!payload.is_boolean() || !payload.get<bool>()) {
      return fail(invalid(path, R"(expected {"NULL": true})"));
    }
    return AttributeValue{Null{}};
  }
  if (key == "M") {
    if (!payload.is_object()) {
      return fail(wrong_shape(path, R"({"M": {...}})", payload));
    }
    Result<AttributeMap> map = decode_map(payload, path);
    if (!map) {
      return fail(std::move(map.error()));
    }
    return AttributeValue{std::move(*map)};
  }
  if (key == "L") {
    if (!payload.is_array()) {
      return fail(wrong_shape(path, R"({"L": [...]})", payload));
    }
    AttributeList list;
    list.reserve(payload.size());
    for (std::size_t index = 0; index < payload.size(); ++index) {
      const PathStep step{
          .parent = path, .index = index, .is_index = true, .depth = depth_of(path) + 1};
      Result<AttributeValue> element = decode(payload[index], &step);
      if (!element) {
        return fail(std::move(element.error()));
      }
      list.push_back(std::move(*element));
    }
    return AttributeValue{std::move(list)};
  }
  if (key == "SS" || key == "NS" || key == "BS") {
    Result<std::vector<std::string>> members = decode_set(payload, path, key);
    if (!members) {
      return fail(std::move(members.error()));
    }
    if (key == "SS") {
      return AttributeValue{StringSet{std::move(*members)}};
    }
    if (key == "NS") {
      return AttributeValue{NumberSet{std::move(*members)}};
    }
    return AttributeValue{BinarySet{std::move(*members)}};
  }
  return fail(invalid(path, "unknown type key (expected S, N, B, BOOL, NULL, M, L, SS, NS, BS)"));
}

json encode_strings(const std::vector<std::string>& values) {
  json array = json::array();
  for (const std::string& value : values) {
    array.push_back(value);
  }
  return array;
}

struct Encoder {
  json operator()(const std::string& text) const { return {{"S", text}}; }
  json operator()(const Number& number) const { return {{"N", number.text}}; }
  json operator()(const Binary& binary) const {
    return {{"B", encoding::base64_encode(binary.bytes)}};
  }
  json operator()(bool flag) const { return {{"BOOL", flag}}; }
  json operator()(const Null& /*null*/) const { return {{"NULL", true}}; }
  json operator()(const AttributeMap& map) const { return {{"M", item_to_json(map)}}; }
  json operator()(const AttributeList& list) const {
    json array = json::array();
    for (const AttributeValue& element : list) {
      array.push_back(to_json(element));
    }
    return {{"L", std::move(array)}};
  }
  json operator()(const StringSet& set) const { return {{"SS", encode_strings(set.values)}}; }
  json operator()(const NumberSet& set) const { return {{"NS", encode_strings(set.values)}}; }
  json operator()(const BinarySet& set) const {
    json array = json::array();
    for (const std::string& bytes : set.values) {
      array.push_back(encoding::base64_encode(bytes));
    }
    return {{"BS", std::move(array)}};
  }
};

}  // namespace

json to_json(const AttributeValue& value) { return std::visit(Encoder{}, value.value); }

json item_to_json(const Item& item) {
  json object = json::object();
  for (const auto& [name, value] : item) {
    object.emplace(name, to_json(value));
  }
  return object;
}

Result<AttributeValue> attribute_value_from_json(const json& json_value) {
  return decode(json_value, nullptr);
}

Result<Item> item_from_json(const json& json_value) {
  if (!json_value.is_object()) {
    return fail(permanent_error("InvalidAttributeValue",
                                "item: expected an object of attribute name to value, found " +
                                    std::string(json_kind(json_value))));
  }
  return decode_map(json_value, nullptr);
}

}  // namespace dispatcher::core::dynamodb
