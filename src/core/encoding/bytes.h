#pragma once

#include <string_view>

namespace dispatcher::core::encoding {

/// Text as the unsigned bytes C libraries (OpenSSL, zlib) take.
inline const unsigned char* bytes_of(std::string_view text) noexcept {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): char may alias unsigned char
  return reinterpret_cast<const unsigned char*>(text.data());
}

}  // namespace dispatcher::core::encoding
