// Property: for any AttributeValue DynamoDB can hold, decode(encode(v)) == v and the JSON text
// survives a serialise/parse cycle unchanged.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "core/dynamodb/json_codec.h"
#include "core/dynamodb/json_text_decoder.h"

namespace dispatcher::core::dynamodb {
namespace {

rc::Gen<std::string> number_text() {
  return rc::gen::map(
      rc::gen::tuple(rc::gen::element<std::string>("", "-"),
                     rc::gen::inRange<std::int64_t>(0, 999'999'999'999'999'999),
                     rc::gen::element<std::string>("", ".5", ".000001", ".25"),
                     rc::gen::element<std::string>("", "e3", "E-7", "e+100")),
      [](const std::tuple<std::string, std::int64_t, std::string, std::string>& parts) {
        return std::get<0>(parts) + std::to_string(std::get<1>(parts)) + std::get<2>(parts) +
               std::get<3>(parts);
      });
}

/// DynamoDB strings are UTF-8: any code point outside the surrogate range, encoded.
rc::Gen<std::string> utf8_text() {
  const auto code_point = rc::gen::weightedOneOf<std::uint32_t>(
      {{6, rc::gen::inRange<std::uint32_t>(0, 0x80)},
       {2, rc::gen::inRange<std::uint32_t>(0x80, 0xD800)},
       {1, rc::gen::inRange<std::uint32_t>(0xE000, 0x110000)}});
  return rc::gen::map(rc::gen::container<std::vector<std::uint32_t>>(code_point),
                      [](const std::vector<std::uint32_t>& points) {
                        std::string text;
                        for (const std::uint32_t point : points) {
                          const auto byte = [](std::uint32_t bits) {
                            return static_cast<char>(static_cast<unsigned char>(bits));
                          };
                          if (point < 0x80) {
                            text.push_back(byte(point));
                          } else if (point < 0x800) {
                            text.push_back(byte(0xC0U | (point >> 6U)));
                            text.push_back(byte(0x80U | (point & 0x3FU)));
                          } else if (point < 0x10000) {
                            text.push_back(byte(0xE0U | (point >> 12U)));
                            text.push_back(byte(0x80U | ((point >> 6U) & 0x3FU)));
                            text.push_back(byte(0x80U | (point & 0x3FU)));
                          } else {
                            text.push_back(byte(0xF0U | (point >> 18U)));
                            text.push_back(byte(0x80U | ((point >> 12U) & 0x3FU)));
                            text.push_back(byte(0x80U | ((point >> 6U) & 0x3FU)));
                            text.push_back(byte(0x80U | (point & 0x3FU)));
                          }
                        }
                        return text;
                      });
}

rc::Gen<std::vector<std::string>> distinct_non_empty(rc::Gen<std::string> element) {
  return rc::gen::map(rc::gen::nonEmpty(rc::gen::container<std::set<std::string>>(element)),
                      [](const std::set<std::string>& values) {
                        return std::vector<std::string>(values.begin(), values.end());
                      });
}

rc::Gen<AttributeValue> attribute_value(int depth) {
  const auto bytes = rc::gen::container<std::string>(rc::gen::arbitrary<char>());
  const rc::Gen<AttributeValue> scalar_or_set = rc::gen::weightedOneOf<AttributeValue>({
      {3,
       rc::gen::map(utf8_text(), [](std::string text) { return AttributeValue{std::move(text)}; })},
      {3, rc::gen::map(number_text(),
                       [](std::string text) { return AttributeValue{Number{std::move(text)}}; })},
      {2,
       rc::gen::map(bytes, [](std::string raw) { return AttributeValue{Binary{std::move(raw)}}; })},
      {1, rc::gen::map(rc::gen::arbitrary<bool>(), [](bool flag) { return AttributeValue{flag}; })},
      {1, rc::gen::just(AttributeValue{Null{}})},
      {1, rc::gen::map(distinct_non_empty(utf8_text()),
                       [](std::vector<std::string> values) {
                         return AttributeValue{StringSet{std::move(values)}};
                       })},
      {1, rc::gen::map(distinct_non_empty(number_text()),
                       [](std::vector<std::string> values) {
                         return AttributeValue{NumberSet{std::move(values)}};
                       })},
      {1, rc::gen::map(distinct_non_empty(bytes),
                       [](std::vector<std::string> values) {
                         return AttributeValue{BinarySet{std::move(values)}};
                       })},
  });
  if (depth == 0) {
    return scalar_or_set;
  }
  const auto child = rc::gen::lazy([depth] { return attribute_value(depth - 1); });
  return rc::gen::weightedOneOf<AttributeValue>({
      {6, scalar_or_set},
      {1, rc::gen::map(rc::gen::resize(5, rc::gen::container<AttributeMap>(utf8_text(), child)),
                       [](AttributeMap map) { return AttributeValue{std::move(map)}; })},
      {1, rc::gen::map(rc::gen::resize(5, rc::gen::container<AttributeList>(child)),
                       [](AttributeList list) { return AttributeValue{std::move(list)}; })},
  });
}

RC_GTEST_PROP(JsonCodecProperty, DecodeOfEncodeIsIdentity, ()) {
  const AttributeValue value = *attribute_value(3);
  const nlohmann::json encoded = to_json(value);
  const Result<AttributeValue> decoded = attribute_value_from_json(encoded);
  RC_ASSERT(decoded.has_value());
  RC_ASSERT(*decoded == value);
}

RC_GTEST_PROP(JsonCodecProperty, JsonTextSurvivesSerialisation, ()) {
  const AttributeValue value = *attribute_value(2);
  const std::string text = to_json(value).dump();
  const Result<AttributeValue> decoded = attribute_value_from_json(nlohmann::json::parse(text));
  RC_ASSERT(decoded.has_value());
  RC_ASSERT(*decoded == value);
  RC_ASSERT(to_json(*decoded).dump() == text);
}

rc::Gen<Item> item() {
  return rc::gen::resize(8, rc::gen::container<Item>(utf8_text(), attribute_value(3)));
}

// The simdjson decoder (json_text_decoder.h) reads every item json_codec writes, exactly.
RC_GTEST_PROP(JsonTextDecoderProperty, DecodesWhatTheCodecEncodes, ()) {
  const Item original = *item();
  const std::optional<Item> decoded = decode_item_text(item_to_json(original).dump());
  RC_ASSERT(decoded.has_value());
  RC_ASSERT(*decoded == original);
}

// On any text, the simdjson decoder either declines (the nlohmann path then names the problem)
// or gives exactly what the nlohmann path gives: it never accepts what json_codec refuses.
RC_GTEST_PROP(JsonTextDecoderProperty, NeverAcceptsWhatTheCodecRefuses, ()) {
  std::string text = item_to_json(*item()).dump();
  const auto edits = *rc::gen::inRange<std::size_t>(1, 4);
  for (std::size_t edit = 0; edit < edits && !text.empty(); ++edit) {
    const auto at = *rc::gen::inRange<std::size_t>(0, text.size());
    switch (*rc::gen::inRange(0, 3)) {
      case 0:
        text[at] = *rc::gen::element('"', '{', '}', '[', ']', ':', ',', 'x', '1', '\\', ' ');
        break;
      case 1:
        text.erase(at, 1);
        break;
      default:
        text.resize(at);
        break;
    }
  }
  const std::optional<Item> fast = decode_item_text(text);
  if (!fast.has_value()) {
    return;
  }
  const nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
  RC_ASSERT(!parsed.is_discarded());
  const Result<Item> reference = item_from_json(parsed);
  RC_ASSERT(reference.has_value());
  RC_ASSERT(*reference == *fast);
}

}  // namespace
}  // namespace dispatcher::core::dynamodb
