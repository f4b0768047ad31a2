#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.h"

namespace dispatcher::core::dynamodb {

struct AttributeValue;

/// N: kept as the exact decimal text DynamoDB sent; never converted through floating point.
struct Number {
  std::string text;
  friend bool operator==(const Number&, const Number&) = default;
};
/// B: raw bytes (already base64-decoded).
struct Binary {
  std::string bytes;
  friend bool operator==(const Binary&, const Binary&) = default;
};
struct Null {
  friend bool operator==(const Null&, const Null&) = default;
};
struct StringSet {
  std::vector<std::string> values;
  friend bool operator==(const StringSet&, const StringSet&) = default;
};
struct NumberSet {
  std::vector<std::string> values;  ///< exact decimal texts
  friend bool operator==(const NumberSet&, const NumberSet&) = default;
};
struct BinarySet {
  std::vector<std::string> values;  ///< raw bytes
  friend bool operator==(const BinarySet&, const BinarySet&) = default;
};

// std::less<> lets items be searched by std::string_view without building a std::string.
using AttributeMap = std::map<std::string, AttributeValue, std::less<>>;
using AttributeList = std::vector<AttributeValue>;

/// One DynamoDB AttributeValue: S, N, B, BOOL, NULL, M, L, SS, NS, BS.
struct AttributeValue {
  std::variant<std::string, Number, Binary, bool, Null, AttributeMap, AttributeList, StringSet,
               NumberSet, BinarySet>
      value;

  friend bool operator==(const AttributeValue&, const AttributeValue&) = default;
};

/// A DynamoDB item (or key): attribute name to value.
using Item = AttributeMap;

// ---- Building values -------------------------------------------------------------------------

[[nodiscard]] AttributeValue string_value(std::string text);
[[nodiscard]] AttributeValue integer_value(std::int64_t number);
/// An N from decimal text; the caller promises it is valid (see check_number).
[[nodiscard]] AttributeValue number_value(std::string decimal_text);
[[nodiscard]] AttributeValue binary_value(std::string bytes);
[[nodiscard]] AttributeValue bool_value(bool flag);

/// About the bytes `item` holds: attribute names plus string, number and binary lengths, nested
/// values included (DynamoDB's item size rule, without its small per-type overheads). For memory
/// budgets: it grows with what a decoded item costs.
[[nodiscard]] std::size_t approximate_size(const Item& item) noexcept;

/// "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS" or "BS": the type's key in DynamoDB JSON.
[[nodiscard]] std::string_view type_name(const AttributeValue& value);

// ---- Numbers ---------------------------------------------------------------------------------

/// Checks that `text` is a number DynamoDB accepts: optional sign, digits with an optional
/// decimal point, optional exponent; at most 38 significant digits; magnitude between 1E-130 and
/// 9.99...E+125 (or zero). Errors: permanent "InvalidNumber" saying why (the text is quoted).
[[nodiscard]] Status check_number(std::string_view text);

/// The value of a valid DynamoDB number text when it is an integer in the int64 range
/// ("42", "-1001", "1.0", "1e3"); nullopt for fractions, out-of-range values and invalid text.
[[nodiscard]] std::optional<std::int64_t> exact_integer(std::string_view number_text);

// ---- Reading items: nullptr / nullopt when the attribute is missing or of another type ----------

[[nodiscard]] const AttributeValue* attribute(const Item& item, std::string_view name);
[[nodiscard]] const std::string* string_attribute(const Item& item, std::string_view name);
/// The exact decimal text of an N attribute.
[[nodiscard]] const std::string* number_attribute(const Item& item, std::string_view name);
/// An N attribute that is an exact integer in the int64 range.
[[nodiscard]] std::optional<std::int64_t> integer_attribute(const Item& item,
                                                            std::string_view name);
/// The raw bytes of a B attribute.
[[nodiscard]] const std::string* binary_attribute(const Item& item, std::string_view name);
[[nodiscard]] std::optional<bool> bool_attribute(const Item& item, std::string_view name);
[[nodiscard]] const AttributeMap* map_attribute(const Item& item, std::string_view name);
[[nodiscard]] const AttributeList* list_attribute(const Item& item, std::string_view name);

// ---- Reading items that must have an attribute -------------------------------------------------
// Errors: permanent "InvalidItem" naming the attribute and what was expected, e.g.
// `version: expected {"N": ...} holding an integer, found {"S": ...}` or `eventId: missing`.
// Values are never quoted in the message (items can carry personal data).

[[nodiscard]] Result<std::string_view> required_string(const Item& item, std::string_view name);
[[nodiscard]] Result<std::int64_t> required_integer(const Item& item, std::string_view name);
[[nodiscard]] Result<std::string_view> required_binary(const Item& item, std::string_view name);
[[nodiscard]] Result<const AttributeMap*> required_map(const Item& item, std::string_view name);

}  // namespace dispatcher::core::dynamodb
