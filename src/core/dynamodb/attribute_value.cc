#include "core/dynamodb/attribute_value.h"

#include <array>
#include <limits>

namespace dispatcher::core::dynamodb {
namespace {

constexpr std::size_t kMaxSignificantDigits = 38;
constexpr long kMinExponent = -130;  // 1E-130
constexpr long kMaxExponent = 125;   // 9.99...E+125

/// The parts of a syntactically valid number text.
struct DecimalParts {
  bool negative = false;
  std::string_view integer_digits;
  std::string_view fraction_digits;
  long exponent = 0;  ///< clamped far outside the valid range when the text overflows
};

bool is_digit(char character) { return character >= '0' && character <= '9'; }

std::string_view take_digits(std::string_view text, std::size_t& position) {
  const std::size_t start = position;
  while (position < text.size() && is_digit(text[position])) {
    ++position;
  }
  return text.substr(start, position - start);
}

/// Parses `[+-]digits[.digits][(e|E)[+-]digits]`; nullopt with `why` set when the text is not one.
std::optional<DecimalParts> parse_decimal(std::string_view text, std::string& why) {
  DecimalParts parts;
  std::size_t position = 0;
  if (position < text.size() && (text[position] == '-' || text[position] == '+')) {
    parts.negative = text[position] == '-';
    ++position;
  }
  parts.integer_digits = take_digits(text, position);
  if (position < text.size() && text[position] == '.') {
    ++position;
    parts.fraction_digits = take_digits(text, position);
  }
  if (parts.integer_digits.empty() && parts.fraction_digits.empty()) {
    why = "no digits";
    return std::nullopt;
  }
  if (position < text.size() && (text[position] == 'e' || text[position] == 'E')) {
    ++position;
    bool negative_exponent = false;
    if (position < text.size() && (text[position] == '-' || text[position] == '+')) {
      negative_exponent = text[position] == '-';
      ++position;
    }
    const std::string_view exponent_digits = take_digits(text, position);
    if (exponent_digits.empty()) {
      why = "an exponent without digits";
      return std::nullopt;
    }
    long exponent = 0;
    for (const char digit : exponent_digits) {
      // Saturate: anything beyond a million is out of DynamoDB's range anyway.
      if (exponent < 1'000'000) {
        exponent = exponent * 10 + (digit - '0');
      }
    }
    parts.exponent = negative_exponent ? -exponent : exponent;
  }
  if (position != text.size()) {
    why = "unexpected character at position " + std::to_string(position);
    return std::nullopt;
  }
  return parts;
}

/// The significant digits (no leading or trailing zeros) and the power of ten of the last one.
struct Significand {
  std::string digits;  ///< empty for zero
  long last_digit_exponent = 0;
};

Significand significand(const DecimalParts& parts) {
  std::string all_digits;
  all_digits.reserve(parts.integer_digits.size() + parts.fraction_digits.size());
  all_digits.append(parts.integer_digits);
  all_digits.append(parts.fraction_digits);
  Significand result;
  const std::size_t first = all_digits.find_first_not_of('0');
  if (first == std::string::npos) {
    return result;
  }
  const std::size_t last = all_digits.find_last_not_of('0');
  result.digits = all_digits.substr(first, last - first + 1);
  const auto trailing_zeros = static_cast<long>(all_digits.size() - 1 - last);
  result.last_digit_exponent =
      parts.exponent - static_cast<long>(parts.fraction_digits.size()) + trailing_zeros;
  return result;
}

Error invalid_item(std::string_view name, std::string_view what) {
  return permanent_error("InvalidItem", std::string(name) + ": " + std::string(what));
}

std::string found_description(const AttributeValue* value) {
  if (value == nullptr) {
    return "missing";
  }
  return "found {\"" + std::string(type_name(*value)) + "\": ...}";
}

template <typename T>
const T* alternative(const Item& item, std::string_view name) {
  const AttributeValue* value = attribute(item, name);
  return value == nullptr ? nullptr : std::get_if<T>(&value->value);
}

}  // namespace

AttributeValue string_value(std::string text) { return AttributeValue{std::move(text)}; }

AttributeValue integer_value(std::int64_t number) {
  return AttributeValue{Number{std::to_string(number)}};
}

AttributeValue number_value(std::string decimal_text) {
  return AttributeValue{Number{std::move(decimal_text)}};
}

AttributeValue binary_value(std::string bytes) { return AttributeValue{Binary{std::move(bytes)}}; }

AttributeValue bool_value(bool flag) { return AttributeValue{flag}; }

std::string_view type_name(const AttributeValue& value) {
  static constexpr std::array<std::string_view, 10> kNames = {"S", "N", "B",  "BOOL", "NULL",
                                                              "M", "L", "SS", "NS",   "BS"};
  static_assert(std::size(kNames) == std::variant_size_v<decltype(value.value)>);
  return kNames[value.value.index()];
}

Status check_number(std::string_view text) {
  std::string why;
  const std::optional<DecimalParts> parts = parse_decimal(text, why);
  const auto invalid = [text](std::string_view reason) {
    return fail(permanent_error("InvalidNumber", "invalid DynamoDB number '" + std::string(text) +
                                                     "': " + std::string(reason)));
  };
  if (!parts) {
    return invalid(why);
  }
  const Significand value = significand(*parts);
  if (value.digits.empty()) {
    return {};
  }
  if (value.digits.size() > kMaxSignificantDigits) {
    return invalid("more than 38 significant digits");
  }
  const long leading_exponent =
      value.last_digit_exponent + static_cast<long>(value.digits.size()) - 1;
  if (leading_exponent > kMaxExponent) {
    return invalid("magnitude above 9.9999999999999999999999999999999999999E+125");
  }
  if (leading_exponent < kMinExponent) {
    return invalid("magnitude below 1E-130");
  }
  return {};
}

std::optional<std::int64_t> exact_integer(std::string_view number_text) {
  std::string why;
  const std::optional<DecimalParts> parts = parse_decimal(number_text, why);
  if (!parts) {
    return std::nullopt;
  }
  const Significand value = significand(*parts);
  if (value.digits.empty()) {
    return 0;
  }
  if (value.last_digit_exponent < 0 ||
      static_cast<long>(value.digits.size()) + value.last_digit_exponent > 19) {
    return std::nullopt;
  }
  // Accumulate the magnitude as unsigned so that INT64_MIN is representable.
  const std::uint64_t limit =
      parts->negative ? static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + 1U
                      : static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  std::uint64_t magnitude = 0;
  const auto push_digit = [&magnitude, limit](unsigned digit) {
    if (magnitude > (limit - digit) / 10U) {
      return false;
    }
    magnitude = magnitude * 10U + digit;
    return true;
  };
  for (const char digit : value.digits) {
    if (!push_digit(static_cast<unsigned>(digit - '0'))) {
      return std::nullopt;
    }
  }
  for (long zero = 0; zero < value.last_digit_exponent; ++zero) {
    if (!push_digit(0)) {
      return std::nullopt;
    }
  }
  if (parts->negative) {
    if (magnitude == limit) {
      return std::numeric_limits<std::int64_t>::min();
    }
    return -static_cast<std::int64_t>(magnitude);
  }
  return static_cast<std::int64_t>(magnitude);
}

const AttributeValue* attribute(const Item& item, std::string_view name) {
  const auto found = item.find(name);
  return found == item.end() ? nullptr : &found->second;
}

const std::string* string_attribute(const Item& item, std::string_view name) {
  return alternative<std::string>(item, name);
}

const std::string* number_attribute(const Item& item, std::string_view name) {
  const auto* number = alternative<Number>(item, name);
  return number == nullptr ? nullptr : &number->text;
}

std::optional<std::int64_t> integer_attribute(const Item& item, std::string_view name) {
  const std::string* text = number_attribute(item, name);
  return text == nullptr ? std::nullopt : exact_integer(*text);
}

const std::string* binary_attribute(const Item& item, std::string_view name) {
  const auto* binary = alternative<Binary>(item, name);
  return binary == nullptr ? nullptr : &binary->bytes;
}

std::optional<bool> bool_attribute(const Item& item, std::string_view name) {
  const bool* flag = alternative<bool>(item, name);
  return flag == nullptr ? std::nullopt : std::optional<bool>(*flag);
}

const AttributeMap* map_attribute(const Item& item, std::string_view name) {
  return alternative<AttributeMap>(item, name);
}

const AttributeList* list_attribute(const Item& item, std::string_view name) {
  return alternative<AttributeList>(item, name);
}

Result<std::string_view> required_string(const Item& item, std::string_view name) {
  if (const std::string* text = string_attribute(item, name)) {
    return std::string_view(*text);
  }
  return fail(
      invalid_item(name, "expected {\"S\": ...}, " + found_description(attribute(item, name))));
}

Result<std::int64_t> required_integer(const Item& item, std::string_view name) {
  if (const std::string* text = number_attribute(item, name)) {
    if (const std::optional<std::int64_t> number = exact_integer(*text)) {
      return *number;
    }
    return fail(invalid_item(name, "expected {\"N\": ...} holding an integer in the int64 range"));
  }
  return fail(invalid_item(name, "expected {\"N\": ...} holding an integer, " +
                                     found_description(attribute(item, name))));
}

Result<std::string_view> required_binary(const Item& item, std::string_view name) {
  if (const std::string* bytes = binary_attribute(item, name)) {
    return std::string_view(*bytes);
  }
  return fail(
      invalid_item(name, "expected {\"B\": ...}, " + found_description(attribute(item, name))));
}

Result<const AttributeMap*> required_map(const Item& item, std::string_view name) {
  if (const AttributeMap* map = map_attribute(item, name)) {
    return map;
  }
  return fail(
      invalid_item(name, "expected {\"M\": ...}, " + found_description(attribute(item, name))));
}

namespace {

std::size_t value_size(const AttributeValue& value) noexcept;

template <typename Strings>
std::size_t strings_size(const Strings& values) noexcept {
  std::size_t total = 0;
  for (const auto& text : values) {
    total += text.size();
  }
  return total;
}

// NOLINTNEXTLINE(bugprone-exception-escape): std::visit throws only for a valueless variant
std::size_t value_size(const AttributeValue& value) noexcept {
  struct Visitor {
    std::size_t operator()(const std::string& text) const noexcept { return text.size(); }
    std::size_t operator()(const Number& number) const noexcept { return number.text.size(); }
    std::size_t operator()(const Binary& binary) const noexcept { return binary.bytes.size(); }
    std::size_t operator()(bool /*flag*/) const noexcept { return 1; }
    std::size_t operator()(const Null& /*null*/) const noexcept { return 1; }
    std::size_t operator()(const AttributeMap& map) const noexcept { return approximate_size(map); }
    std::size_t operator()(const AttributeList& list) const noexcept {
      std::size_t total = 0;
      for (const AttributeValue& element : list) {
        total += value_size(element);
      }
      return total;
    }
    std::size_t operator()(const StringSet& set) const noexcept { return strings_size(set.values); }
    std::size_t operator()(const NumberSet& set) const noexcept { return strings_size(set.values); }
    std::size_t operator()(const BinarySet& set) const noexcept { return strings_size(set.values); }
  };
  return std::visit(Visitor{}, value.value);
}

}  // namespace

std::size_t approximate_size(const Item& item) noexcept {
  std::size_t total = 0;
  for (const auto& [name, value] : item) {
    total += name.size() + value_size(value);
  }
  return total;
}

}  // namespace dispatcher::core::dynamodb
