#include "adapters/http/response_headers.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "core/encoding/ascii.h"

namespace dispatcher::adapters::http {
bool same_header_name(std::string_view left, std::string_view right) {
  return std::ranges::equal(left, right, [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
}

void add_header_line(Headers& headers, std::string_view line) {
  if (line.starts_with("HTTP/")) {
    headers.clear();
    return;
  }
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    headers.emplace_back(std::string(core::encoding::trim_ascii(line.substr(0, colon))),
                         std::string(core::encoding::trim_ascii(line.substr(colon + 1))));
  }
}

std::optional<std::string_view> Response::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (same_header_name(key, name)) {
      return std::string_view(value);
    }
  }
  return std::nullopt;
}

}  // namespace dispatcher::adapters::http
