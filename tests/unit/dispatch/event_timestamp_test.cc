#include "core/dispatch/event_timestamp.h"

#include <gtest/gtest.h>

namespace dispatcher::core::dispatch {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

std::optional<system_clock::time_point> timestamp_of(std::string text) {
  return event_timestamp(dynamodb::Item{{"timestamp", dynamodb::number_value(std::move(text))}});
}

system_clock::time_point at(std::int64_t epoch_milliseconds) {
  return system_clock::time_point(milliseconds(epoch_milliseconds));
}

TEST(EventTimestamp, MillisecondsAreTakenAsThey) {
  EXPECT_EQ(timestamp_of("1700000000123"), at(1700000000123));
}

TEST(EventTimestamp, ValuesBelowOneHundredBillionAreSeconds) {
  EXPECT_EQ(timestamp_of("1700000000"), at(1700000000000));
  EXPECT_EQ(timestamp_of("1700000000.25"), at(1700000000250));
}

TEST(EventTimestamp, ValuesAboveOneHundredTrillionAreMicroseconds) {
  EXPECT_EQ(timestamp_of("1700000000123456"), at(1700000000123));
}

TEST(EventTimestamp, MissingNonNumericNegativeOrAbsurdIsUnknown) {
  EXPECT_EQ(event_timestamp(dynamodb::Item{}), std::nullopt);
  EXPECT_EQ(event_timestamp(dynamodb::Item{{"timestamp", dynamodb::string_value("1700000000")}}),
            std::nullopt);
  EXPECT_EQ(timestamp_of("-5"), std::nullopt);
  EXPECT_EQ(timestamp_of("9e30"), std::nullopt);
}

}  // namespace
}  // namespace dispatcher::core::dispatch
