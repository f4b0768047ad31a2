#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace dispatcher::core::aws {

/// Reads one environment variable: nullopt when unset. Injected so that tests never mutate the
/// process environment; production passes adapters::system::environment_variable.
using EnvironmentLookup = std::function<std::optional<std::string>(std::string_view name)>;

/// The variable's value, or nullopt when it is unset or empty (the AWS SDKs treat an empty
/// variable as unset).
[[nodiscard]] inline std::optional<std::string> non_empty_variable(
    const EnvironmentLookup& environment, std::string_view name) {
  std::optional<std::string> value = environment(name);
  if (value && value->empty()) {
    return std::nullopt;
  }
  return value;
}

}  // namespace dispatcher::core::aws
