#include "core/dispatch/sequence_number.h"

#include <algorithm>

namespace dispatcher::core::dispatch {
namespace {

std::string_view without_leading_zeros(std::string_view digits) noexcept {
  const auto first_significant = digits.find_first_not_of('0');
  return first_significant == std::string_view::npos ? std::string_view{}
                                                     : digits.substr(first_significant);
}

}  // namespace

bool is_sequence_number(std::string_view text) noexcept {
  return !text.empty() && std::ranges::all_of(text, [](char character) {
    return character >= '0' && character <= '9';
  });
}

std::strong_ordering compare_sequence_numbers(std::string_view left,
                                              std::string_view right) noexcept {
  const std::string_view left_digits = without_leading_zeros(left);
  const std::string_view right_digits = without_leading_zeros(right);
  // Without leading zeros, a longer number is a larger number; equal lengths compare digit-wise.
  if (left_digits.size() != right_digits.size()) {
    return left_digits.size() <=> right_digits.size();
  }
  return left_digits.compare(right_digits) <=> 0;
}

}  // namespace dispatcher::core::dispatch
