#pragma once

// Internal to core/dynamodb (it exposes simdjson): the On-Demand reading of DynamoDB JSON values
// that json_text_decoder builds its pages, items and stream keys from. Every function returns
// false as soon as the text is not the clean case; the caller then decodes it with json_codec,
// which names the problem. Nothing here builds an error.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <simdjson.h>

#include "core/dynamodb/attribute_value.h"

namespace dispatcher::core::dynamodb {

namespace ondemand = simdjson::ondemand;

/// A JSON string (escapes decoded) into `out`.
[[nodiscard]] bool read_string(ondemand::value value, std::string& out);

/// A map of attribute name to value (an item, or the payload of "M"), `depth` steps below the
/// item. Later duplicates win, as in json_codec, whose objects keep the last value of a name.
[[nodiscard]] bool decode_map(ondemand::object object, AttributeMap& out, std::size_t depth = 0);

/// decode_map of a value that must be an object.
[[nodiscard]] bool decode_map_value(ondemand::value value, AttributeMap& out,
                                    std::size_t depth = 0);

/// An array of items.
[[nodiscard]] bool decode_items(ondemand::value value, std::vector<Item>& out);

/// An optional item member: absent or null is nullopt.
[[nodiscard]] bool decode_optional_item(ondemand::value value, std::optional<Item>& out);

}  // namespace dispatcher::core::dynamodb
