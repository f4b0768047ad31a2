#include "core/encoding/hex.h"

#include <gtest/gtest.h>

#include <string>

namespace dispatcher::core::encoding {
namespace {

TEST(Hex, PrintsTwoLowercaseDigitsPerByte) {
  EXPECT_EQ(hex_lower(""), "");
  EXPECT_EQ(hex_lower(std::string("\x00\x01\x7f\x80\xab\xff", 6)), "00017f80abff");
  EXPECT_EQ(hex_lower("AWS"), "415753");
}

}  // namespace
}  // namespace dispatcher::core::encoding
