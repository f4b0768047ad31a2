#pragma once

// Command-line parsing shared by the operator commands: long options only, "--name value" or
// "--name=value", no positional arguments. Usage errors are values, so each command can print its
// help and exit with code 2.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"

namespace dispatcher::core::operator_tools {

struct OptionSpec {
  std::string_view name;  ///< with the dashes: "--aggregate"
  bool takes_value = false;
};

class CommandArguments {
 public:
  /// Parses `arguments` against `options`. Error (permanent "UsageError"): an unknown option, a
  /// positional argument, a missing value, or an option given twice; the message names it.
  [[nodiscard]] static Result<CommandArguments> parse(std::span<const std::string_view> arguments,
                                                      std::span<const OptionSpec> options);

  [[nodiscard]] bool has(std::string_view name) const;
  /// The value of an option that takes one; nullopt when it was not given.
  [[nodiscard]] std::optional<std::string_view> value(std::string_view name) const;
  /// The value as a whole number >= minimum; nullopt when not given. Error ("UsageError"): not a
  /// whole number, or below minimum.
  [[nodiscard]] Result<std::optional<std::int64_t>> integer(std::string_view name,
                                                            std::int64_t minimum) const;
  /// As integer(), for a positive decimal such as a rate ("2.5").
  [[nodiscard]] Result<std::optional<double>> positive_number(std::string_view name) const;

 private:
  std::map<std::string, std::string, std::less<>> values_;
  std::set<std::string, std::less<>> flags_;
};

}  // namespace dispatcher::core::operator_tools
