#pragma once

// Small helpers shared by the fuzz targets.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace dispatcher::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};  // NOLINT(*-reinterpret-cast)
}

/// Whether `text` could only appear in an error message by being copied from the input: at least
/// `min_length` bytes and a character no fixed message text uses. The leak checks look only for
/// such values, so a short or wordy value that happens to match the message's own words (a
/// password "required") is not taken for a leak.
inline bool distinctive(std::string_view text, std::size_t min_length = 6) {
  return text.size() >= min_length && text.find_first_of("@#~^*!$%&|`") != std::string_view::npos;
}

/// Every string value inside `json` (object member values and array elements, at any depth).
inline void collect_strings(const nlohmann::json& json, std::vector<std::string>& out) {
  if (json.is_string()) {
    out.push_back(json.get<std::string>());
  } else if (json.is_structured()) {
    for (const auto& element : json) {
      collect_strings(element, out);
    }
  }
}

/// Every object key inside `json`, at any depth.
inline void collect_keys(const nlohmann::json& json, std::vector<std::string>& out) {
  if (json.is_object()) {
    for (const auto& [key, value] : json.items()) {
      out.push_back(key);
      collect_keys(value, out);
    }
  } else if (json.is_array()) {
    for (const auto& element : json) {
      collect_keys(element, out);
    }
  }
}

/// Whether `needle` occurs inside any of `texts`.
inline bool inside_any(std::string_view needle, const std::vector<std::string>& texts) {
  for (const std::string& text : texts) {
    if (text.find(needle) != std::string::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace dispatcher::fuzz
