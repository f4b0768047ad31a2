#include "adapters/dynamodb/canonical_key.h"

#include <variant>

#include "core/dynamodb/json_codec.h"

namespace dispatcher::adapters::dynamodb::detail {
namespace {

using core::dynamodb::AttributeValue;
using core::dynamodb::Item;

/// A text identifying a value exactly, in which numbers that DynamoDB may spell differently
/// ("1.0" and "1") are the same. Used to match the entries DynamoDB hands back to the requests.
void append_canonical(std::string& out, const AttributeValue& value) {
  std::string text;
  if (const auto* string = std::get_if<std::string>(&value.value)) {
    text = "S" + *string;
  } else if (const auto* number = std::get_if<core::dynamodb::Number>(&value.value)) {
    const auto integer = core::dynamodb::exact_integer(number->text);
    text = "N" + (integer ? std::to_string(*integer) : number->text);
  } else if (const auto* binary = std::get_if<core::dynamodb::Binary>(&value.value)) {
    text = "B" + binary->bytes;
  } else {
    text = core::dynamodb::to_json(value).dump();
  }
  out += std::to_string(text.size());
  out += ':';
  out += text;
}

}  // namespace

std::string canonical_item(const Item& item) {
  std::string out;
  for (const auto& [name, value] : item) {
    out += std::to_string(name.size());
    out += ':';
    out += name;
    append_canonical(out, value);
  }
  return out;
}

/// The attributes of `item` named like the attributes of `key`.
std::string canonical_key_of(const Item& item, const Item& key_shape) {
  Item key;
  for (const auto& [name, unused] : key_shape) {
    const auto found = item.find(name);
    if (found == item.end()) {
      return {};
    }
    key.emplace(name, found->second);
  }
  return canonical_item(key);
}

}  // namespace dispatcher::adapters::dynamodb::detail
