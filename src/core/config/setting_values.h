#pragma once

// Internal to core/config: how settings.cc reads one variable, and collects the problems of all
// of them into one start-up error that shows no secret.

#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/config/settings.h"
#include "core/encoding/ascii.h"

namespace dispatcher::core::config {

/// Collects every problem so one start-up error names them all, and keeps secrets out of it: a
/// problem about a sensitive variable loses every quoted part, and every problem text is scrubbed
/// of the sensitive variables' values (as given, trimmed and case-folded, the forms the checks
/// quote), so no check can echo a secret, whichever variable it is about.
class Problems {
 public:
  Problems(const Environment& environment, const SensitiveNames& sensitive,
           UnresolvedNames unresolved = {});
  /// Adds "`variable` `what`", unless `variable` is still an unresolved reference.
  void add(std::string_view variable, std::string_view what);
  [[nodiscard]] bool empty() const { return text_.empty(); }
  /// The problems, "; " between them, with every secret value hidden (in the whole text, so a
  /// value that spans two problems is hidden too).
  [[nodiscard]] std::string text() const;
  /// The permanent "InvalidConfiguration" error (service "config") of the problems.
  [[nodiscard]] Error error() const;

 private:
  UnresolvedNames unresolved_;
  SensitiveNames sensitive_names_;
  std::vector<std::string> secret_values_;
  std::string text_;  // as added: the secret values are hidden when it is read
};

/// The value of `name`, if set.
[[nodiscard]] std::optional<std::string_view> lookup(const Environment& environment,
                                                     std::string_view name);

/// The trimmed value of `name`; a problem when it is unset or blank.
[[nodiscard]] std::string required(const Environment& environment, std::string_view name,
                                   Problems& problems);

/// The trimmed value of `name`, or `fallback` when it is unset or blank.
[[nodiscard]] std::string optional_text(const Environment& environment, std::string_view name,
                                        std::string_view fallback);

/// true/1/yes or false/0/no (any case), or `fallback` when unset; a problem otherwise.
[[nodiscard]] bool boolean_setting(const Environment& environment, std::string_view name,
                                   bool fallback, Problems& problems);

/// A whole number in [minimum, maximum], or `fallback` when unset; a problem otherwise.
template <typename Integer>
[[nodiscard]] Integer integer_setting(const Environment& environment, std::string_view name,
                                      Integer fallback, Integer minimum, Integer maximum,
                                      Problems& problems) {
  auto value = lookup(environment, name);
  if (!value || std::string(encoding::trim_ascii(*value)).empty()) {
    return fallback;
  }
  const std::string text = std::string(encoding::trim_ascii(*value));
  Integer parsed{};
  const auto* end = text.data() + text.size();
  const auto [position, error] = std::from_chars(text.data(), end, parsed);
  if (error != std::errc{} || position != end || parsed < minimum || parsed > maximum) {
    problems.add(name, "must be a whole number from " + std::to_string(minimum) + " to " +
                           std::to_string(maximum) + ", got \"" + text + "\"");
    return fallback;
  }
  return parsed;
}

}  // namespace dispatcher::core::config
