#pragma once

#include <span>
#include <string>
#include <string_view>

namespace dispatcher::core::encoding {

/// `text` with each run of characters that an occurrence of a non-empty `secrets` entry covers
/// replaced by one `mask`: overlapping and adjacent occurrences become one mask, so no part of a
/// value that overlaps another stays visible. Occurrences are found in `text` as given, never in a
/// mask put in, so the result is never longer than `text` plus one mask per character. What the
/// settings refusals and the Kafka clients' texts go through before anyone sees them.
[[nodiscard]] std::string redact(std::string_view text, std::span<const std::string> secrets,
                                 std::string_view mask);

}  // namespace dispatcher::core::encoding
