#include "core/dispatch/offset_item.h"

#include <string>

#include <gtest/gtest.h>

namespace dispatcher::core::dispatch {
namespace {

using dynamodb::integer_value;
using dynamodb::Item;
using dynamodb::number_value;
using dynamodb::string_value;

Item held_item() {
  return Item{{"id", string_value("Order:a")},
              {"version", integer_value(4)},
              {"dispatched_at", integer_value(1700000000000)},
              {"hold_version", integer_value(5)},
              {"hold_reason", string_value("gap")},
              {"hold_detail", string_value("version 5 is missing")},
              {"held_since", integer_value(1700000000500)}};
}

/// The error parse_offset_item gives for `item`; fails the test when it parses.
Error parse_error(const Item& item) {
  auto state = parse_offset_item(item);
  EXPECT_FALSE(state.has_value());
  return state ? Error{} : state.error();
}

void expect_invalid(const Item& item, const std::string& attribute, const std::string& problem) {
  const Error error = parse_error(item);
  EXPECT_EQ(error.code, "InvalidOffsetItem");
  EXPECT_FALSE(error.retryable());
  EXPECT_NE(error.message.find("'" + attribute + "'"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find(problem), std::string::npos) << error.message;
}

TEST(OffsetItem, ItemWithOnlyItsKeyHasNothingDispatched) {
  const auto state = parse_offset_item(Item{{"id", string_value("Order:a")}});
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(*state, OffsetState{});
}

TEST(OffsetItem, ReadsOffsetDispatchedAtAndHold) {
  const auto state = parse_offset_item(held_item());
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->version, 4);
  EXPECT_EQ(state->dispatched_at_milliseconds, 1700000000000);
  ASSERT_TRUE(state->hold.has_value());
  EXPECT_EQ(state->hold->hold,
            (Hold{.version = 5, .reason = HoldReason::kGap, .detail = "version 5 is missing"}));
  EXPECT_EQ(state->hold->since_milliseconds, 1700000000500);
}

TEST(OffsetItem, ReadsEveryHoldReason) {
  for (const HoldReason reason :
       {HoldReason::kGap, HoldReason::kPoison, HoldReason::kRefused, HoldReason::kCorrupt}) {
    Item item = held_item();
    item["hold_reason"] = string_value(hold_reason_name(reason));
    const auto state = parse_offset_item(item);
    ASSERT_TRUE(state.has_value()) << hold_reason_name(reason);
    EXPECT_EQ(state->hold->hold.reason, reason);
  }
}

TEST(OffsetItem, HoldWithoutDetailOrSinceReadsAsEmptyAndZero) {
  Item item = held_item();
  item.erase("hold_detail");
  item.erase("held_since");
  const auto state = parse_offset_item(item);
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->hold->hold.detail, "");
  EXPECT_EQ(state->hold->since_milliseconds, 0);
}

TEST(OffsetItem, VersionThatIsNotANumberIsInvalid) {
  Item item = held_item();
  item["version"] = string_value("4");
  expect_invalid(item, "version", "is not an integer number");
}

TEST(OffsetItem, VersionThatIsAFractionIsInvalid) {
  Item item = held_item();
  item["version"] = number_value("4.5");
  expect_invalid(item, "version", "is not an integer number");
}

TEST(OffsetItem, DispatchedAtThatIsNotANumberIsInvalid) {
  Item item = held_item();
  item["dispatched_at"] = string_value("yesterday");
  expect_invalid(item, "dispatched_at", "is not an integer number");
}

TEST(OffsetItem, HoldVersionThatIsNotANumberIsInvalid) {
  Item item = held_item();
  item["hold_version"] = string_value("5");
  expect_invalid(item, "hold_version", "is not an integer number");
}

TEST(OffsetItem, HoldReasonWithoutHoldVersionIsInvalid) {
  Item item = held_item();
  item.erase("hold_version");
  expect_invalid(item, "hold_version", "is missing beside hold_reason");
}

TEST(OffsetItem, HoldVersionWithoutHoldReasonIsInvalid) {
  Item item = held_item();
  item.erase("hold_reason");
  expect_invalid(item, "hold_reason", "is missing or not a string");
}

TEST(OffsetItem, HoldReasonThatIsNotAStringIsInvalid) {
  Item item = held_item();
  item["hold_reason"] = integer_value(1);
  expect_invalid(item, "hold_reason", "is missing or not a string");
}

TEST(OffsetItem, UnknownHoldReasonIsInvalid) {
  Item item = held_item();
  item["hold_reason"] = string_value("tired");
  expect_invalid(item, "hold_reason", "is not one of gap, poison, refused, corrupt");
}

TEST(OffsetItem, HeldSinceThatIsNotANumberIsInvalid) {
  Item item = held_item();
  item["held_since"] = string_value("monday");
  expect_invalid(item, "held_since", "is not an integer number");
}

TEST(OffsetItem, ErrorNeverCarriesTheAttributeValue) {
  Item item = held_item();
  item["version"] = string_value("secret-looking-value");
  EXPECT_EQ(parse_error(item).message.find("secret-looking-value"), std::string::npos);
}

}  // namespace
}  // namespace dispatcher::core::dispatch
