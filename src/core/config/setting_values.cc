#include "core/config/setting_values.h"

#include <algorithm>
#include <utility>

#include "core/encoding/redact.h"

namespace dispatcher::core::config {
namespace {

constexpr std::string_view kValueNotShown = "(secret value not shown)";

/// `what` with every quoted ("...", '...') or braced ({...}) part, where the checks put the values
/// or the parts of values they show, replaced by kValueNotShown.
std::string without_quoted_parts(std::string_view what) {
  std::string result;
  for (std::size_t at = 0; at < what.size(); ++at) {
    const char open = what[at];
    const char close = open == '{' ? '}' : open;
    const auto end = (open == '"' || open == '\'' || open == '{') ? what.find(close, at + 1)
                                                                  : std::string_view::npos;
    if (end == std::string_view::npos) {
      result += open;
      continue;
    }
    result += kValueNotShown;
    at = end;
  }
  return result;
}

}  // namespace

Problems::Problems(const Environment& environment, const SensitiveNames& sensitive,
                   UnresolvedNames unresolved)
    : unresolved_(std::move(unresolved)) {
  for (const auto& [name, value] : environment) {
    if (name != "KAFKA_SSL_KEY_PASSWORD" && !sensitive.contains(name)) {
      continue;
    }
    sensitive_names_.insert(name);
    const std::string_view trimmed = encoding::trim_ascii(value);
    for (std::string form : {value, std::string(trimmed), encoding::ascii_uppercase(trimmed),
                             encoding::ascii_lowercase(trimmed)}) {
      if (!form.empty()) {
        secret_values_.push_back(std::move(form));
      }
    }
  }
  std::ranges::sort(secret_values_);
  const auto repeated = std::ranges::unique(secret_values_);
  secret_values_.erase(repeated.begin(), repeated.end());
}

void Problems::add(std::string_view variable, std::string_view what) {
  if (unresolved_.contains(variable)) {
    return;
  }
  if (!text_.empty()) {
    text_ += "; ";
  }
  text_ += variable;
  text_ += ' ';
  text_ += sensitive_names_.contains(variable) ? without_quoted_parts(what) : std::string(what);
}

std::string Problems::text() const {
  return encoding::redact(text_, secret_values_, kValueNotShown);
}

Error Problems::error() const { return permanent_error("InvalidConfiguration", text(), "config"); }

std::optional<std::string_view> lookup(const Environment& environment, std::string_view name) {
  const auto found = environment.find(name);
  if (found == environment.end()) {
    return std::nullopt;
  }
  return std::string_view(found->second);
}

std::string required(const Environment& environment, std::string_view name, Problems& problems) {
  auto value = lookup(environment, name);
  if (!value || std::string(encoding::trim_ascii(*value)).empty()) {
    problems.add(name, "is required but not set");
    return {};
  }
  return std::string(encoding::trim_ascii(*value));
}

std::string optional_text(const Environment& environment, std::string_view name,
                          std::string_view fallback) {
  auto value = lookup(environment, name);
  if (!value || std::string(encoding::trim_ascii(*value)).empty()) {
    return std::string(fallback);
  }
  return std::string(encoding::trim_ascii(*value));
}

bool boolean_setting(const Environment& environment, std::string_view name, bool fallback,
                     Problems& problems) {
  const std::string text = encoding::ascii_uppercase(optional_text(environment, name, ""));
  if (text.empty()) {
    return fallback;
  }
  if (text == "TRUE" || text == "1" || text == "YES") {
    return true;
  }
  if (text == "FALSE" || text == "0" || text == "NO") {
    return false;
  }
  problems.add(name, "must be true or false, got \"" + text + "\"");
  return fallback;
}

}  // namespace dispatcher::core::config
