#pragma once

// `bootstrap audit`'s standard error: written by the command's thread and by librdkafka's (its
// error lines), so every line goes through say(); progress lines at most once a second.

#include <chrono>
#include <string>

#include "app/operator/command_support.h"
#include "app/operator/operator_commands.h"

namespace dispatcher::app::operator_tools {

/// Writes `line` and a newline on standard error, one writer at a time, and flushes.
void say(Console& console, const std::string& line);

/// Prints the line `text()` makes at most once per interval, from the first interval on.
class AuditProgress {
 public:
  explicit AuditProgress(Console& console) : console_(console) {}

  template <typename Text>
  void maybe(const Text& text) {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_) {
      return;
    }
    next_ = now + kProgressInterval;
    say(console_, text());
  }

 private:
  Console& console_;
  std::chrono::steady_clock::time_point next_ =
      std::chrono::steady_clock::now() + kProgressInterval;
};

}  // namespace dispatcher::app::operator_tools
