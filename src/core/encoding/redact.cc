#include "core/encoding/redact.h"

#include <vector>

namespace dispatcher::core::encoding {

std::string redact(std::string_view text, std::span<const std::string> secrets,
                   std::string_view mask) {
  // +1 where an occurrence starts, -1 just after it ends: a position is covered while the running
  // sum is above zero. Replacing one secret after another in the growing text instead found short
  // values inside the masks already put in (a settings fuzz input with a few one-letter passwords
  // took 29 s to be refused) and left visible the part of a value that overlapped another.
  std::vector<int> starts_minus_ends;
  for (const std::string& secret : secrets) {
    if (secret.empty()) {
      continue;
    }
    for (auto at = text.find(secret); at != std::string_view::npos;
         at = text.find(secret, at + 1)) {
      if (starts_minus_ends.empty()) {
        starts_minus_ends.resize(text.size() + 1, 0);
      }
      ++starts_minus_ends[at];
      --starts_minus_ends[at + secret.size()];
    }
  }
  if (starts_minus_ends.empty()) {
    return std::string(text);
  }
  std::string result;
  result.reserve(text.size());
  int covering = 0;
  for (std::size_t at = 0; at < text.size(); ++at) {
    const bool covered_before = covering > 0;
    covering += starts_minus_ends[at];
    if (covering == 0) {
      result += text[at];
    } else if (!covered_before) {
      result += mask;
    }
  }
  return result;
}

}  // namespace dispatcher::core::encoding
