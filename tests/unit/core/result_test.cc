#include "core/result.h"

#include <gtest/gtest.h>

namespace dispatcher::core {
namespace {

Result<int> halve(int value) {
  if (value % 2 != 0) {
    return fail(permanent_error("OddValue", "cannot halve " + std::to_string(value)));
  }
  return value / 2;
}

TEST(Result, CarriesValueOrError) {
  ASSERT_TRUE(halve(4).has_value());
  EXPECT_EQ(*halve(4), 2);
  const auto odd = halve(3);
  ASSERT_FALSE(odd.has_value());
  EXPECT_EQ(odd.error().code, "OddValue");
  EXPECT_FALSE(odd.error().retryable());
}

TEST(Error, DescribeNamesServiceCodeStatusAndClass) {
  Error error = retryable_error("ThrottlingException", "slow down");
  error.service = "dynamodb";
  error.http_status = 400;
  error.request_id = "R1";
  EXPECT_EQ(error.describe(),
            "dynamodb ThrottlingException (HTTP 400, request R1, retryable): slow down");
  EXPECT_EQ(permanent_error("Bad", "").describe(), "Bad (permanent)");
}

}  // namespace
}  // namespace dispatcher::core
