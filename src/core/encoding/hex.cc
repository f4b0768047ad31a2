#include "core/encoding/hex.h"

namespace dispatcher::core::encoding {

std::string hex_lower(std::string_view bytes) {
  constexpr std::string_view kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char byte : bytes) {
    const auto value = static_cast<unsigned char>(byte);
    out.push_back(kDigits[value >> 4U]);
    out.push_back(kDigits[value & 0x0FU]);
  }
  return out;
}

}  // namespace dispatcher::core::encoding
