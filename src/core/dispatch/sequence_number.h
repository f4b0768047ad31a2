#pragma once

#include <compare>
#include <string_view>

namespace dispatcher::core::dispatch {

/// Whether `text` has the shape of a DynamoDB Streams sequence number: one or more decimal digits.
[[nodiscard]] bool is_sequence_number(std::string_view text) noexcept;

/// Orders two sequence numbers as the unbounded decimal integers they are, so "9" < "10" and
/// "0010" == "10". Sequence numbers are numeric strings of varying length; comparing them as
/// text would pick the wrong "newest" record. Precondition: both satisfy is_sequence_number.
[[nodiscard]] std::strong_ordering compare_sequence_numbers(std::string_view left,
                                                            std::string_view right) noexcept;

}  // namespace dispatcher::core::dispatch
