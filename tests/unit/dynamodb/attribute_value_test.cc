#include "core/dynamodb/attribute_value.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace dispatcher::core::dynamodb {
namespace {

TEST(CheckNumber, AcceptsDynamoDbNumberSyntax) {
  for (const char* text :
       {"0", "-0", "+7", "42", "-1001", "1.5", "1.", ".5", "1e3", "1E-3", "-2.5e+10", "000123",
        "1E+125", "9.9999999999999999999999999999999999999E+125", "1E-130",
        "12345678901234567890123456789012345678", "0e999999",
        "1000000000000000000000000000000000000000000000000000"}) {
    EXPECT_TRUE(check_number(text)) << text;
  }
}

TEST(CheckNumber, RejectsMalformedText) {
  for (const char* text : {"", "-", ".", "e5", "1e", "1e+", "1.2.3", "0x10", " 1", "1 ", "NaN",
                           "Infinity", "1,000", "--1"}) {
    const Status status = check_number(text);
    EXPECT_FALSE(status) << text;
    if (!status) {
      EXPECT_EQ(status.error().code, "InvalidNumber");
    }
  }
}

TEST(CheckNumber, RejectsMoreThan38SignificantDigits) {
  const Status status = check_number("123456789012345678901234567890123456789");
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("38 significant digits"), std::string::npos);
  EXPECT_TRUE(check_number("1234567890123456789012345678901234567800000"));
}

TEST(CheckNumber, RejectsMagnitudeOutsideDynamoDbRange) {
  EXPECT_FALSE(check_number("1E+126"));
  EXPECT_FALSE(check_number("10E+125"));
  EXPECT_FALSE(check_number("1E-131"));
  EXPECT_FALSE(check_number("0.1E-130"));
  EXPECT_FALSE(check_number("1e99999999999999999999"));
}

TEST(ExactInteger, ReadsIntegersInAnySpelling) {
  EXPECT_EQ(exact_integer("42"), 42);
  EXPECT_EQ(exact_integer("-1001"), -1001);
  EXPECT_EQ(exact_integer("0"), 0);
  EXPECT_EQ(exact_integer("-0.000"), 0);
  EXPECT_EQ(exact_integer("1.0"), 1);
  EXPECT_EQ(exact_integer("1e3"), 1000);
  EXPECT_EQ(exact_integer("12.5e1"), 125);
  EXPECT_EQ(exact_integer("9223372036854775807"), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(exact_integer("-9223372036854775808"), std::numeric_limits<std::int64_t>::min());
}

TEST(ExactInteger, RefusesFractionsOverflowAndGarbage) {
  EXPECT_EQ(exact_integer("1.5"), std::nullopt);
  EXPECT_EQ(exact_integer("1e-1"), std::nullopt);
  EXPECT_EQ(exact_integer("9223372036854775808"), std::nullopt);
  EXPECT_EQ(exact_integer("-9223372036854775809"), std::nullopt);
  EXPECT_EQ(exact_integer("1e19"), std::nullopt);
  EXPECT_EQ(exact_integer("abc"), std::nullopt);
}

Item event_item() {
  Item item;
  item.emplace("id", string_value("Order:1"));
  item.emplace("version", integer_value(3));
  item.emplace("data", binary_value("bytes"));
  item.emplace("flag", bool_value(true));
  item.emplace("headers", AttributeValue{AttributeMap{{"a", string_value("b")}}});
  item.emplace("list", AttributeValue{AttributeList{}});
  item.emplace("fraction", number_value("2.5"));
  return item;
}

TEST(ItemAccessors, ReturnValuesOfTheRightType) {
  const Item item = event_item();
  EXPECT_EQ(*string_attribute(item, "id"), "Order:1");
  EXPECT_EQ(*number_attribute(item, "version"), "3");
  EXPECT_EQ(integer_attribute(item, "version"), 3);
  EXPECT_EQ(*binary_attribute(item, "data"), "bytes");
  EXPECT_EQ(bool_attribute(item, "flag"), true);
  EXPECT_EQ(map_attribute(item, "headers")->size(), 1U);
  EXPECT_NE(list_attribute(item, "list"), nullptr);
  EXPECT_EQ(type_name(*attribute(item, "headers")), "M");
}

TEST(ItemAccessors, ReturnNothingForMissingOrOtherTypes) {
  const Item item = event_item();
  EXPECT_EQ(string_attribute(item, "version"), nullptr);
  EXPECT_EQ(string_attribute(item, "absent"), nullptr);
  EXPECT_EQ(integer_attribute(item, "id"), std::nullopt);
  EXPECT_EQ(integer_attribute(item, "fraction"), std::nullopt);
  EXPECT_EQ(binary_attribute(item, "id"), nullptr);
  EXPECT_EQ(bool_attribute(item, "id"), std::nullopt);
  EXPECT_EQ(map_attribute(item, "list"), nullptr);
  EXPECT_EQ(list_attribute(item, "headers"), nullptr);
}

TEST(RequiredAccessors, NameAttributeExpectationAndFoundType) {
  const Item item = event_item();
  EXPECT_EQ(required_string(item, "id").value(), "Order:1");
  EXPECT_EQ(required_integer(item, "version").value(), 3);
  EXPECT_EQ(required_binary(item, "data").value(), "bytes");
  EXPECT_EQ(required_map(item, "headers").value()->size(), 1U);

  const auto wrong_type = required_string(item, "version");
  ASSERT_FALSE(wrong_type);
  EXPECT_EQ(wrong_type.error().code, "InvalidItem");
  EXPECT_EQ(wrong_type.error().message, R"(version: expected {"S": ...}, found {"N": ...})");
  EXPECT_EQ(required_binary(item, "eventId").error().message,
            R"(eventId: expected {"B": ...}, missing)");
  EXPECT_EQ(required_integer(item, "fraction").error().message,
            R"(fraction: expected {"N": ...} holding an integer in the int64 range)");
  EXPECT_EQ(required_map(item, "id").error().message,
            R"(id: expected {"M": ...}, found {"S": ...})");
}

}  // namespace
}  // namespace dispatcher::core::dynamodb
