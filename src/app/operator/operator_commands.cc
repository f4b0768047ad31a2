#include "app/operator/operator_commands.h"

#include <algorithm>
#include <array>
#include <ostream>

#include "app/operator/command_support.h"
#include "app/operator/commands.h"
#include "core/operator/command_arguments.h"

namespace dispatcher::app::operator_tools {
namespace {

/// The dispatch table: every operator command, by name.
const std::array<OperatorCommand, 5>& commands() {
  static const std::array<OperatorCommand, 5> kCommands{
      status_command(), audit_command(), replay_command(), release_command(), sweep_command()};
  return kCommands;
}

}  // namespace

bool is_operator_command(std::string_view command) noexcept {
  return std::ranges::any_of(
      commands(), [command](const OperatorCommand& entry) { return entry.name == command; });
}

int run_operator_command(std::string_view command, std::span<const std::string_view> arguments,
                         const core::config::Environment& environment, Console& console) {
  const auto* const entry = std::ranges::find(commands(), command, &OperatorCommand::name);
  if (entry == commands().end()) {
    console.err << "bootstrap: unknown command '" << command << "'\n";
    return kExitUsage;
  }
  auto parsed = core::operator_tools::CommandArguments::parse(arguments, entry->options);
  if (!parsed) {
    return usage_error(console, command, parsed.error(), entry->help);
  }
  if (parsed->has("--help")) {
    console.out << entry->help;
    return kExitOk;
  }
  return entry->run(*parsed, environment, console);
}

}  // namespace dispatcher::app::operator_tools
