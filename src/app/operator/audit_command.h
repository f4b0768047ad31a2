#pragma once

// `bootstrap audit`: reads the output topic(s) back and compares them, aggregate by aggregate,
// with the events and offsets tables (docs/operations.md). The comparison itself is
// core/operator/audit.h; this is the I/O around it.

#include <span>
#include <string_view>

#include "app/operator/operator_commands.h"
#include "core/config/settings.h"
#include "core/operator/command_arguments.h"

namespace dispatcher::app::operator_tools {

/// The command's --help text.
[[nodiscard]] std::string_view audit_help() noexcept;

/// The options `bootstrap audit` accepts.
[[nodiscard]] std::span<const core::operator_tools::OptionSpec> audit_options() noexcept;

/// Runs the audit. Exit codes: kExitOk when every judged aggregate is complete and in order,
/// kExitAttention when something is lost, pending, out of order, duplicated other than as a
/// re-sent suffix, unknown to the store, or on the wrong key or partition; kExitError for a
/// configuration or service error; kExitUsage for bad arguments.
[[nodiscard]] int run_audit(const core::operator_tools::CommandArguments& arguments,
                            const core::config::Environment& environment, Console& console);

}  // namespace dispatcher::app::operator_tools
