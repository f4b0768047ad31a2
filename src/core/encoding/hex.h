#pragma once

#include <string>
#include <string_view>

namespace dispatcher::core::encoding {

/// Lowercase hexadecimal, two characters per byte (as SigV4 prints hashes and signatures).
[[nodiscard]] std::string hex_lower(std::string_view bytes);

}  // namespace dispatcher::core::encoding
