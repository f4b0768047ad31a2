#include "core/dispatch/sequence_number.h"

#include <algorithm>
#include <compare>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace dispatcher::core::dispatch {
namespace {

TEST(SequenceNumber, AcceptsOnlyNonEmptyDecimalDigits) {
  EXPECT_TRUE(is_sequence_number("0"));
  EXPECT_TRUE(is_sequence_number("4421584500000000017450439091"));
  EXPECT_FALSE(is_sequence_number(""));
  EXPECT_FALSE(is_sequence_number("12a"));
  EXPECT_FALSE(is_sequence_number("-12"));
  EXPECT_FALSE(is_sequence_number("1.5"));
  EXPECT_FALSE(is_sequence_number(" 12"));
}

TEST(SequenceNumber, ShorterNumberIsSmallerWhateverItsDigits) {
  EXPECT_EQ(compare_sequence_numbers("9", "10"), std::strong_ordering::less);
  EXPECT_EQ(compare_sequence_numbers("100", "99"), std::strong_ordering::greater);
  EXPECT_EQ(compare_sequence_numbers("999999999999999999999", "1000000000000000000000"),
            std::strong_ordering::less);
}

TEST(SequenceNumber, EqualLengthComparesDigitByDigit) {
  EXPECT_EQ(
      compare_sequence_numbers("4421584500000000017450439091", "4421584500000000017450439092"),
      std::strong_ordering::less);
  EXPECT_EQ(compare_sequence_numbers("123", "123"), std::strong_ordering::equal);
  EXPECT_EQ(compare_sequence_numbers("124", "123"), std::strong_ordering::greater);
}

TEST(SequenceNumber, LeadingZerosDoNotChangeTheValue) {
  EXPECT_EQ(compare_sequence_numbers("0010", "10"), std::strong_ordering::equal);
  EXPECT_EQ(compare_sequence_numbers("009", "10"), std::strong_ordering::less);
  EXPECT_EQ(compare_sequence_numbers("0", "000"), std::strong_ordering::equal);
}

TEST(SequenceNumber, OrdersBeyondSixtyFourBitsLikeIntegers) {
  // Real sequence numbers have 21 to 40 digits: far beyond uint64.
  std::vector<std::string> numbers = {"100000000000000000000000000000000000001",
                                      "99999999999999999999", "100000000000000000000", "7",
                                      "18446744073709551616"};
  std::ranges::sort(numbers, [](const std::string& left, const std::string& right) {
    return compare_sequence_numbers(left, right) < 0;
  });
  EXPECT_EQ(numbers, (std::vector<std::string>{"7", "18446744073709551616", "99999999999999999999",
                                               "100000000000000000000",
                                               "100000000000000000000000000000000000001"}));
}

}  // namespace
}  // namespace dispatcher::core::dispatch
