#pragma once

// The operator commands of the one binary: `bootstrap status|audit|replay|release|sweep`. They read
// the dispatcher's own settings from the environment and act on its tables through the same
// adapters.

#include <iosfwd>
#include <span>
#include <string_view>

#include "core/config/settings.h"

namespace dispatcher::app::operator_tools {

/// Exit codes of every operator command (documented in docs/operations.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;      ///< a service or configuration error, or a refusal
inline constexpr int kExitUsage = 2;      ///< bad arguments
inline constexpr int kExitAttention = 3;  ///< held aggregates (status, sweep); audit problems

/// Where a command talks to its operator.
struct Console {
  std::ostream& out;  ///< results: the table, or JSON with --json
  std::ostream& err;  ///< progress, audit lines, errors
  std::istream& in;   ///< answers to confirmations
  bool interactive;   ///< standard input is a terminal: confirmations may be asked
};

/// True for "status", "audit", "replay", "release" and "sweep".
[[nodiscard]] bool is_operator_command(std::string_view command) noexcept;

/// Runs `command` with `arguments` (after the command name); returns the exit code.
[[nodiscard]] int run_operator_command(std::string_view command,
                                       std::span<const std::string_view> arguments,
                                       const core::config::Environment& environment,
                                       Console& console);

}  // namespace dispatcher::app::operator_tools
