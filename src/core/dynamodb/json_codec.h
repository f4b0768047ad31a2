#pragma once

// DynamoDB's JSON wire form of attribute values: {"S": "text"}, {"N": "12.5"}, {"B": "base64"},
// {"BOOL": true}, {"NULL": true}, {"M": {...}}, {"L": [...]}, {"SS": [...]}, {"NS": [...]},
// {"BS": [...]}. Encoding then decoding gives back the same value exactly, and the reverse.

#include <nlohmann/json.hpp>

#include "core/dynamodb/attribute_value.h"
#include "core/result.h"

namespace dispatcher::core::dynamodb {

/// The DynamoDB JSON of one value. Numbers are written as their exact text, bytes as base64.
[[nodiscard]] nlohmann::json to_json(const AttributeValue& value);

/// The DynamoDB JSON of an item: {"name": {"S": ...}, ...}.
[[nodiscard]] nlohmann::json item_to_json(const Item& item);

/// Decodes one value. Accepts exactly the shapes above: an object with one type key; N texts
/// must be valid DynamoDB numbers (kept as text, never converted); B/BS strict base64; NULL
/// must be true; sets must be non-empty without duplicates.
/// Errors: permanent "InvalidAttributeValue" whose message starts with the attribute path,
/// e.g. `headers.traceparent: expected {"S": <string>}, found a number` or `tags[2]: ...`.
/// Values are never quoted in messages (items can carry personal data).
[[nodiscard]] Result<AttributeValue> attribute_value_from_json(const nlohmann::json& json);

/// Decodes an item: a JSON object of attribute name to value. Errors as above.
[[nodiscard]] Result<Item> item_from_json(const nlohmann::json& json);

}  // namespace dispatcher::core::dynamodb
