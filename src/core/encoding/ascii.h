#pragma once

#include <string>
#include <string_view>

namespace dispatcher::core::encoding {

/// The six ASCII whitespace characters (space, \t, \n, \v, \f, \r), whatever the locale.
[[nodiscard]] constexpr bool is_ascii_space(char character) noexcept {
  return character == ' ' || (character >= '\t' && character <= '\r');
}

/// `text` without leading and trailing ASCII whitespace.
[[nodiscard]] std::string_view trim_ascii(std::string_view text) noexcept;

/// `text` with A-Z turned into a-z; every other byte unchanged.
[[nodiscard]] std::string ascii_lowercase(std::string_view text);

/// `text` with a-z turned into A-Z; every other byte unchanged.
[[nodiscard]] std::string ascii_uppercase(std::string_view text);

}  // namespace dispatcher::core::encoding
