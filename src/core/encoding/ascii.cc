#include "core/encoding/ascii.h"

namespace dispatcher::core::encoding {

std::string_view trim_ascii(std::string_view text) noexcept {
  while (!text.empty() && is_ascii_space(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && is_ascii_space(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

std::string ascii_lowercase(std::string_view text) {
  std::string out(text);
  for (char& character : out) {
    if (character >= 'A' && character <= 'Z') {
      character = static_cast<char>(character - 'A' + 'a');
    }
  }
  return out;
}

std::string ascii_uppercase(std::string_view text) {
  std::string out(text);
  for (char& character : out) {
    if (character >= 'a' && character <= 'z') {
      character = static_cast<char>(character - 'a' + 'A');
    }
  }
  return out;
}

}  // namespace dispatcher::core::encoding
