#pragma once

#include <map>
#include <string>
#include <variant>
#include <vector>

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

using AttributeMap = std::map<std::string, AttributeValue>;
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

}  // namespace dispatcher::core::dynamodb
