#pragma once

// The operator commands, one file each (status_command.cc, audit_command.cc, replay_command.cc,
// release_command.cc, sweep_command.cc): what the dispatch table in operator_commands.cc needs of
// each. Exit codes are those of operator_commands.h.

#include <span>
#include <string_view>

#include "app/operator/operator_commands.h"
#include "core/config/settings.h"
#include "core/operator/command_arguments.h"

namespace dispatcher::app::operator_tools {

/// One command: its name, the options it accepts, its --help text, and what runs it (with the
/// arguments parsed, and neither a usage error nor --help among them).
struct OperatorCommand {
  std::string_view name;
  std::span<const core::operator_tools::OptionSpec> options;
  std::string_view help;
  int (*run)(const core::operator_tools::CommandArguments& arguments,
             const core::config::Environment& environment, Console& console);
};

/// `bootstrap status`: lag and holds per aggregate. kExitAttention when something is held.
[[nodiscard]] const OperatorCommand& status_command() noexcept;

/// `bootstrap audit`: reads the output topic(s) back and compares them, aggregate by aggregate,
/// with the events and offsets tables (docs/operations.md). kExitOk when every judged aggregate is
/// complete and in order, kExitAttention when something is lost, pending, out of order,
/// duplicated other than as a re-sent suffix, unknown to the store, or on the wrong key or
/// partition.
[[nodiscard]] const OperatorCommand& audit_command() noexcept;

/// `bootstrap replay`: moves an aggregate's offset back on purpose and rings its doorbell.
[[nodiscard]] const OperatorCommand& replay_command() noexcept;

/// `bootstrap release`: skips the version a held aggregate is held at, on purpose.
[[nodiscard]] const OperatorCommand& release_command() noexcept;

/// `bootstrap sweep`: rings the doorbell of every aggregate left behind without a stored hold.
/// kExitAttention when something is held (stored or derived).
[[nodiscard]] const OperatorCommand& sweep_command() noexcept;

}  // namespace dispatcher::app::operator_tools
